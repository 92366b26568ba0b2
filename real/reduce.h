/* reduce.h -- element-wise sums on host buffers, fp32 and fp16.
 *
 *   reduce_acc(d, b, n):     d[i] += b[i]
 *   reduce_add(d, a, b, n):  d[i]  = a[i] + b[i]     (out-of-place first touch)
 *
 * fp16 is IEEE binary16 stored as uint16_t; each sum is done in fp32 and
 * rounded once to nearest-even (as NCCL does). The fp32 loops are written
 * in fixed blocks of 16 so that GCC's -O2 vectoriser (very-cheap cost
 * model, no epilogue) takes them; fp16 uses F16C + AVX conversions when the
 * CPU has them (checked once), else the scalar conversions of
 * models/coll_exec.h (the in-memory executor's, bit-identical).
 */
#ifndef DT_REDUCE_H
#define DT_REDUCE_H

#include <stddef.h>
#include <stdint.h>

void reduce_acc(int dtype, void *d, const void *b, size_t n);
void reduce_add(int dtype, void *d, const void *a, const void *b, size_t n);

#endif
