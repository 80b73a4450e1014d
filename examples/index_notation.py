"""The lab's exercises in index notation, with the Kronecker deltas contracted.

1. d/dx_k sum_ij w_ij x_i x_j = sum_j w_kj x_j + sum_i w_ik x_i, the
   dropped-term mistake diagnosed, and the matrix form (W + W^T) x;
2. the triple product sum_ijl a_ijl x_i x_j x_l and its second derivatives;
3. least squares in components: gradient and Hessian, and their matrix forms;
4. log-sum-exp: its gradient is the softmax, its Hessian diag(p) - p p^T.

    python examples/index_notation.py
"""

import numpy as np
import sympy

import derive


def main(outdir=None):
    out = {}
    # 1. the quadratic form and the dropped term
    quad = "sum(w[i,j]*x[i]*x[j], i, j)"
    g = derive.differentiate(quad, "x[k]")
    print(g, "\n")
    out["quadratic_grad"] = g.result
    out["quadratic_matrix"] = derive.to_matrix(g.result, "k")
    print("in matrix form:", derive.to_text(out["quadratic_matrix"]))
    verdict = derive.check(quad, "x[k]", "sum(w[k,j]*x[j], j)")
    print("the lab's mistake:", verdict.explanation, "\n")
    out["dropped_term"] = verdict

    # 2. the triple product and second derivatives
    triple = "sum(a[i,j,l]*x[i]*x[j]*x[l], i, j, l)"
    g3 = derive.differentiate(triple, "x[k]")
    h3 = derive.differentiate(triple, "x[k], x[m]", "hessian")
    print(g3, "\n")
    print(h3, "\n")
    out["triple_grad"], out["triple_hess"] = g3.result, h3.result

    # 3. least squares in components
    lsq = "sum((sum(A[i,j]*x[j], j) - b[i])**2, i)/2"
    ns = derive.Namespace(derive.declare("i: index m, j k l: index n"))
    gl = derive.differentiate(lsq, "x[k]", symbols=ns)
    hl = derive.differentiate(lsq, "x[k], x[l]", "hessian", symbols=ns)
    print(gl, "\n")
    print(hl, "\n")
    out["lsq_grad_matrix"] = derive.to_matrix(gl.result, "k")
    out["lsq_hess_matrix"] = derive.to_matrix(hl.result, "k l")
    print("matrix forms:", derive.to_text(out["lsq_grad_matrix"]), "and", derive.to_text(out["lsq_hess_matrix"]))

    # 4. log-sum-exp -> softmax
    lse = derive.differentiate("log(sum(exp(x[i]), i))", "x[k]")
    lse2 = derive.differentiate("log(sum(exp(x[i]), i))", "x[k], x[l]", "hessian")
    print(lse, "\n")
    print(lse2, "\n")
    out["softmax"], out["softmax_jacobian"] = lse.result, lse2.result

    # numeric spot check of the softmax Jacobian: diag(p) - p p^T
    xv = np.array([0.3, -1.2, 2.0])
    p = np.exp(xv) / np.exp(xv).sum()
    k, l = sympy.symbols("k l", integer=True)
    n = sympy.Symbol("n", integer=True, positive=True)
    xs = sympy.IndexedBase("x", real=True)
    J = np.array([[float(lse2.result.subs({k: a, l: c, n: 3}).doit().subs({xs[t]: xv[t] for t in range(3)}))
                   for c in range(3)] for a in range(3)])
    out["softmax_jacobian_error"] = float(np.max(np.abs(J - (np.diag(p) - np.outer(p, p)))))
    print("max |index-form Hessian - (diag(p) - p p^T)| =", out["softmax_jacobian_error"])
    return out


if __name__ == "__main__":
    main()
