/**
 * The CUDA backend (JCuda driver API, JCublas GEMM, PTX kernels) will live here. Nothing is
 * built yet: {@code --backend cuda} reports that only the CPU backend is available.
 */
package specdec.kernels;
