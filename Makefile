# dtsim -- build, test and run. See README.md.
#
#   make test    install missing Debian packages, build, run every test
#   make run     install, build, run the main job (the reproduction)
#   make         build bin/dtsim (and bin/dtbench) only
#   make fuzz    build and run the config-parser fuzz target (clang)
#   make fuzz-dtbench  the same for dtbench's options and rendezvous messages
#
# Project code builds with -std=c11 -Wall -Wextra -Werror. `make test` also
# builds the unit tests and dtsim under ASan+UBSan in out/asan/.

CC      ?= cc
ifeq ($(origin CC),default)
CC      := gcc
endif
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror
INC     := -Imodels -Isim -Ireal -Itraces -Iout/gen
LDLIBS  := -lsimgrid -linih -lcunit -lz -lm -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# CUDA/NCCL parts build only where a whole CUDA install is found: nvcc plus
# the cuDNN, cuBLAS, CUDA runtime and NCCL libraries in one CUDA_HOME.
# CUDA_HOME is /usr/local/cuda, or the folder above nvcc's bin/ (nvcc may be
# a wrapper script elsewhere on PATH, so its own folder proves nothing).
CUDA_LIBNAMES := cudnn cublas cudart nccl
cuda_missing = $(if $(wildcard $(1)/bin/nvcc),,nvcc )$(foreach l,$(CUDA_LIBNAMES),$(if $(wildcard $(1)/lib64/lib$(l).so),,lib$(l).so ))
cuda_whole = $(if $(1),$(if $(strip $(call cuda_missing,$(1))),,$(1)))
CUDA_HOME ?= $(firstword $(foreach d,/usr/local/cuda \
    $(patsubst %/bin/,%,$(dir $(realpath $(shell command -v nvcc 2>/dev/null)))),$(call cuda_whole,$(d))))
NVCC    := $(if $(call cuda_whole,$(CUDA_HOME)),$(CUDA_HOME)/bin/nvcc)

# dtbench's libraries: libjpeg-turbo (dtbench io), libpfm4 (counters).
REAL_LIBS += -lturbojpeg -lpfm
# With CUDA: real/*.cu are built and linked, and C code sees DT_HAVE_CUDA.
ifneq ($(NVCC),)
NVCCFLAGS ?= -O2 -g -arch=all-major
CU_SRC    := $(sort $(wildcard real/*.cu))
INC       += -DDT_HAVE_CUDA
# the versions dtsim version prints: from the headers the GPU parts build with
CUDART_VER := $(shell sed -n 's/^\#define CUDART_VERSION  *\([0-9][0-9]*\).*/\1/p' $(CUDA_HOME)/include/cuda_runtime_api.h 2>/dev/null)
NCCL_VER   := $(shell sed -n 's/^\#define NCCL_VERSION_CODE  *\([0-9][0-9]*\).*/\1/p' $(CUDA_HOME)/include/nccl.h 2>/dev/null)
INC       += $(if $(CUDART_VER),-DDT_CUDART_VERSION=$(CUDART_VER)) $(if $(NCCL_VER),-DDT_NCCL_VERSION_CODE=$(NCCL_VER))
REAL_LIBS += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 $(addprefix -l,$(CUDA_LIBNAMES)) -lstdc++
endif
CU_OBJ  := $(patsubst %.cu,out/obj/%.o,$(CU_SRC))

MODELS_SRC := $(sort $(wildcard models/*.c))
TRACES_SRC := $(sort $(wildcard traces/*.c))
SIM_SRC    := $(sort $(filter-out sim/main.c,$(wildcard sim/*.c)))
REAL_SRC   := $(sort $(filter-out real/main.c,$(wildcard real/*.c)))
TEST_SRC   := $(sort $(wildcard tests/test_*.c)) tests/runner.c
LIB_SRC    := $(MODELS_SRC) $(TRACES_SRC) $(SIM_SRC)

# $(call objs,flavour,sources)
objs = $(patsubst %.c,out/$(1)/%.o,$(2))

.PHONY: all build test check run deps fuzz fuzz-deps fuzz-dtbench clean asan golden-update bench
.DEFAULT_GOAL := build

build: deps-note gen
	@$(MAKE) --no-print-directory all

all: bin/dtsim bin/dtsim-tests $(if $(wildcard real/main.c),bin/dtbench) cuda-note

deps:
	@./scripts/deps.sh

deps-note:
	@true

gen:
	@./scripts/gen-tables.sh out/gen

cuda-note:
ifeq ($(NVCC),)
	@echo "cuda: no whole CUDA install (CUDA_HOME=$(or $(CUDA_HOME),none found): needs bin/nvcc and lib64/ libcudnn, libcublas, libcudart, libnccl; missing: $(strip $(if $(CUDA_HOME),$(call cuda_missing,$(CUDA_HOME)),all))); building without the CUDA/NCCL parts"
else
	@echo "cuda: building the CUDA/NCCL parts with $(NVCC)"
endif

out/gen/cmds.h out/gen/suites.h: gen

# --- normal flavour ----------------------------------------------------------
out/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(INC) -MMD -MP -c $< -o $@

out/obj/%.o: %.cu
	@mkdir -p $(@D)
	$(NVCC) -std=c++17 $(NVCCFLAGS) $(INC) -Xcompiler -Wall,-Wextra -MMD -MP -c $< -o $@

out/obj/libdt.a: $(call objs,obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

# dtbench's modules, also linked into the unit tests.
out/obj/libreal.a: $(call objs,obj,$(REAL_SRC)) $(CU_OBJ)
	@rm -f $@
	ar rcs $@ $^

bin/dtsim: out/obj/sim/main.o out/obj/libdt.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bin/dtsim-tests: $(call objs,obj,$(TEST_SRC)) out/obj/libreal.a out/obj/libdt.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(REAL_LIBS)

bin/dtbench: out/obj/real/main.o $(call objs,obj,$(REAL_SRC)) $(CU_OBJ) out/obj/libdt.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(REAL_LIBS)

# --- ASan + UBSan flavour ----------------------------------------------------
out/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g $(SAN) $(INC) -MMD -MP -c $< -o $@

out/asan/libdt.a: $(call objs,asan,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

out/asan/dtsim: out/asan/sim/main.o out/asan/libdt.a
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

out/asan/libreal.a: $(call objs,asan,$(REAL_SRC)) $(CU_OBJ)
	@rm -f $@
	ar rcs $@ $^

out/asan/dtsim-tests: $(call objs,asan,$(TEST_SRC)) out/asan/libreal.a out/asan/libdt.a
	$(CC) $(SAN) -o $@ $^ $(LDLIBS) $(REAL_LIBS)

asan: gen
	@$(MAKE) --no-print-directory out/asan/dtsim out/asan/dtsim-tests

# --- tests -------------------------------------------------------------------
test: deps
	@$(MAKE) --no-print-directory check

check: build asan
	@echo "== unit tests (release build)"
	bin/dtsim-tests
	@echo "== unit tests (ASan+UBSan)"
	ASAN_OPTIONS=detect_leaks=1 out/asan/dtsim-tests
	@echo "== command tests (golden outputs, bad input) under ASan+UBSan"
	DTSIM=out/asan/dtsim ./tests/cli.sh
	@echo "== command tests (release build)"
	DTSIM=bin/dtsim ./tests/cli.sh
	@echo "== one iteration count: config, run and reproduce on every configs/experiments file"
	DTSIM=bin/dtsim ./tests/iterations.sh
	@echo "== gnuplot scripts on sample data"
	./tests/plots.sh
	@echo "== every command example of README.md and docs/*.md (tests/doctest.sh; DOCTEST_LONG=1 adds the long ones)"
	./tests/doctest.sh
	@echo "== a stack measured from each GPU trace in traces/samples, used by dtsim run: its step within 5%"
	DTSIM=bin/dtsim ./tests/stackfit.sh
	@echo "== SIGINT/SIGTERM to each long command: exit 130/143, one line, nothing left behind"
	DTSIM=bin/dtsim ./tests/signals.sh
	@echo "== dtbench end-to-end (the testbed part needs root, else SKIP)"
	DTBENCH=bin/dtbench ./tests/dtbench.sh
	@echo "== the reproduction against its golden CSV (release build)"
	DTSIM=bin/dtsim ./tests/reproduce.sh
	@echo "== performance gates (bench/baselines)"
	DTSIM=bin/dtsim REPRODUCE_CSV=out/test-reproduce/reproduce.csv ./tests/gates.sh
	@echo "== dtsim validate: simulated vs the emulated cluster (--quick as root, about 90 s; else SKIP)"
	DTSIM=bin/dtsim ./tests/validate.sh

golden-update: build
	DTSIM=bin/dtsim ./tests/cli.sh --update

# --- main job ----------------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory build
	@mkdir -p out
	bin/dtsim reproduce

# --- fuzzing (clang, libFuzzer) ---------------------------------------------
# fuzz: the config language (bytes, and files with includes and catalog
# lookups); fuzz-dtbench: dtbench's options, rank environment and
# rendezvous messages. Results of the long runs: docs/fuzz.md.
FUZZ_SECONDS ?= 60
FUZZ_CC   := clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_INC  := -Imodels -Isim -Ireal -Itraces -Iout/gen
FUZZ_REAL := $(filter-out real/cmd_allreduce.c,$(REAL_SRC))
fuzz-deps: deps
	@DT_PKGS="clang libclang-rt-14-dev" ./scripts/deps.sh
	@$(MAKE) --no-print-directory gen
	@mkdir -p out/fuzz fuzz/corpus-run/config fuzz/corpus-run/dtbench

out/fuzz/fuzz_config: fuzz/fuzz_config.c $(MODELS_SRC)
	$(FUZZ_CC) $(FUZZ_INC) fuzz/fuzz_config.c $(MODELS_SRC) -o $@ -linih -lm

out/fuzz/fuzz_dtbench: fuzz/fuzz_dtbench.c real/cmd_allreduce.c $(FUZZ_REAL) $(MODELS_SRC) $(TRACES_SRC)
	$(FUZZ_CC) $(FUZZ_INC) fuzz/fuzz_dtbench.c $(FUZZ_REAL) $(MODELS_SRC) $(TRACES_SRC) -o $@ $(LDLIBS) -lturbojpeg -lpfm

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory out/fuzz/fuzz_config
	DTSIM_CATALOG=configs/catalog out/fuzz/fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	  fuzz/corpus-run/config fuzz/corpus/config

fuzz-dtbench: fuzz-deps
	@$(MAKE) --no-print-directory out/fuzz/fuzz_dtbench
	out/fuzz/fuzz_dtbench -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -close_fd_mask=3 -print_final_stats=1 \
	  fuzz/corpus-run/dtbench fuzz/corpus/dtbench

clean:
	rm -rf bin out

-include $(shell find out/obj out/asan -name '*.d' 2>/dev/null)
