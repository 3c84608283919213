/**
 * The WGSL kernel of the WebGPU GEMM: a 64x64 output tile per 16x16 workgroup, 4x4 outputs per
 * invocation, K in steps of 16 through workgroup memory; one variant per transpose combination so every
 * tile load reads contiguous memory (see core/kernels/webgpu_gemm.ts for the engine around it).
 * @module
 */

/** Output rows/cols per workgroup tile and the K step through workgroup memory. */
export const TM = 64, TN = 64, TK = 16;

/** WGSL of one transpose variant. Index expressions read A(i,k) and B(k,j) from their stored layouts. */
export function gemmShader(transA: boolean, transB: boolean): string {
  // A tile is staged as As[kk * TM + ii], B tile as Bs[kk * TN + jj]. The flat load index `e` is split so
  // that consecutive invocations read consecutive addresses of the stored layout.
  const aLoad = transA
    ? `let ii = e % ${TM}u; let kk = e / ${TM}u; let gi = row0 + ii; let gk = k0 + kk;
      var v = 0.0; if (gi < dims.M && gk < dims.K) { v = A[gk * dims.M + gi]; }`
    : `let kk = e % ${TK}u; let ii = e / ${TK}u; let gi = row0 + ii; let gk = k0 + kk;
      var v = 0.0; if (gi < dims.M && gk < dims.K) { v = A[gi * dims.K + gk]; }`;
  const bLoad = transB
    ? `let kk = e % ${TK}u; let jj = e / ${TK}u; let gj = col0 + jj; let gk = k0 + kk;
      var w = 0.0; if (gj < dims.N && gk < dims.K) { w = B[gj * dims.K + gk]; }`
    : `let jj = e % ${TN}u; let kk = e / ${TN}u; let gj = col0 + jj; let gk = k0 + kk;
      var w = 0.0; if (gj < dims.N && gk < dims.K) { w = B[gk * dims.N + gj]; }`;
  return /* wgsl */ `
struct Dims { M: u32, N: u32, K: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

var<workgroup> As: array<f32, ${TK * TM}>;
var<workgroup> Bs: array<f32, ${TK * TN}>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * ${TM}u;
  let col0 = wg.x * ${TN}u;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < dims.K; k0 += ${TK}u) {
    for (var r = 0u; r < ${(TK * TM) / 256}u; r++) {
      let e = li + r * 256u;
      ${aLoad}
      As[kk * ${TM}u + ii] = v;
    }
    for (var r = 0u; r < ${(TK * TN) / 256}u; r++) {
      let e = li + r * 256u;
      ${bLoad}
      Bs[kk * ${TN}u + jj] = w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk++) {
      let a0 = As[kk * ${TM}u + lid.y];
      let a1 = As[kk * ${TM}u + lid.y + 16u];
      let a2 = As[kk * ${TM}u + lid.y + 32u];
      let a3 = As[kk * ${TM}u + lid.y + 48u];
      let b = vec4<f32>(Bs[kk * ${TN}u + lid.x], Bs[kk * ${TN}u + lid.x + 16u],
                        Bs[kk * ${TN}u + lid.x + 32u], Bs[kk * ${TN}u + lid.x + 48u]);
      for (var c = 0u; c < 4u; c++) {
        acc[c] = fma(a0, b[c], acc[c]);
        acc[4u + c] = fma(a1, b[c], acc[4u + c]);
        acc[8u + c] = fma(a2, b[c], acc[8u + c]);
        acc[12u + c] = fma(a3, b[c], acc[12u + c]);
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let gi = row0 + lid.y + r * 16u;
    if (gi < dims.M) {
      for (var c = 0u; c < 4u; c++) {
        let gj = col0 + lid.x + c * 16u;
        if (gj < dims.N) { C[gi * dims.N + gj] = acc[r * 4u + c]; }
      }
    }
  }
}
`;
}
