"""The math of each half-step (Lloyd's algorithm in matrix form) and the core's actual source.

X is the (m, n) data matrix, M the (k, n) matrix of centres. The assignment
step needs every squared distance, which is one matrix product:

    D = ||x||^2 1^T - 2 X M^T + 1 ||m||^2^T
    y_i = argmin_j D_ij          (row-wise; ||x_i||^2 is the same along a row)
    Z = one_hot(y)               (m, k), Z_ij = 1 if y_i = j
    M = Z^T X / Z^T 1            (sum of each cluster's rows over its size)

``BLOCKS`` and ``sources`` are data (pure); the Explorer component draws them in the browser.
"""

import importlib
import inspect
from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    key: str
    title: str
    latex: str
    words: str
    phases: tuple  # the half-steps this block is the math of
    formula: str = ""  # the same in plain Unicode, for the browser component (no TeX renderer there)


BLOCKS = (
    Block("init", "Start: k rows of X become the centres",
          r"M^{(0)} = \begin{pmatrix} \vec{x}^{(i_1)} \\ \vdots \\ \vec{x}^{(i_k)} \end{pmatrix}"
          r"\in \mathbb{R}^{k \times n}",
          "No point is assigned yet, so there is no inertia.", ("init",),
          formula="M⁽⁰⁾ = [ x⁽ⁱ¹⁾ ; … ; x⁽ⁱᵏ⁾ ] ∈ ℝᵏˣⁿ"),
    Block("dist", "Every squared distance at once",
          r"\begin{gathered}"
          r"D = \underbrace{\|X\|^2_{\text{rows}}\,\mathbf{1}_k^{\top}}_{\text{same along a row}}"
          r" - 2\,X M^{\top} + \mathbf{1}_m \|M\|^{2\,\top}_{\text{rows}} \\"
          r"D_{ij} = \|\vec{x}^{(i)}\|^2 - 2\langle \vec{x}^{(i)}, \vec{\mu}^{(j)} \rangle"
          r" + \|\vec{\mu}^{(j)}\|^2"
          r"\end{gathered}",
          "One matrix product X Mᵀ gives all m·k inner products.", ("assign",),
          formula="D = ‖X‖²_rows 1ₖᵀ − 2 X Mᵀ + 1ₘ ‖M‖²_rowsᵀ\nDᵢⱼ = ‖xᵢ‖² − 2 ⟨xᵢ, μⱼ⟩ + ‖μⱼ‖²"),
    Block("argmin", "Assignment (E step): the nearest centre",
          r"y_i = \operatorname{argmin}_j D_{ij}"
          r" = \operatorname{argmin}_j \left(-2\langle \vec{x}^{(i)}, \vec{\mu}^{(j)} \rangle"
          r" + \|\vec{\mu}^{(j)}\|^2\right)",
          "Row-wise argmin; ties go to the lower cluster number.", ("assign",),
          formula="yᵢ = argminⱼ Dᵢⱼ = argminⱼ ( −2 ⟨xᵢ, μⱼ⟩ + ‖μⱼ‖² )"),
    Block("onehot", "One-hot labels",
          r"Z = \operatorname{one\_hot}(y) = I_k[y] \in \{0, 1\}^{m \times k},"
          r"\qquad z_{ij} = 1 \iff y_i = j",
          "Row i of Z is row yᵢ of the k×k identity.", ("update",),
          formula="Z = one_hot(y) = Iₖ[y] ∈ {0, 1}ᵐˣᵏ,   zᵢⱼ = 1 ⇔ yᵢ = j"),
    Block("update", "Update (M step): each centre moves to its cluster's mean",
          r"M = \frac{Z^{\top} X}{Z^{\top} \mathbf{1}_m},\qquad"
          r"\vec{\mu}^{(j)} = \frac{1}{\sum_i z_{ij}} \sum_i z_{ij}\, \vec{x}^{(i)}",
          "ZᵀX sums each cluster's rows, Zᵀ1 counts them (row-wise division). "
          "An empty cluster (count 0) is moved to a far point instead.", ("update",),
          formula="M = Zᵀ X ⁄ Zᵀ 1ₘ,   μⱼ = (1 ⁄ Σᵢ zᵢⱼ) Σᵢ zᵢⱼ xᵢ"),
    Block("inertia", "Inertia: what both steps lower",
          r"J = \sum_i \|\vec{x}^{(i)} - \vec{\mu}^{(y_i)}\|^2 = \sum_i D_{i\,y_i}",
          "The assignment picks the best y for fixed M, the update the best M for fixed y, "
          "so J never rises.", (),
          formula="J = Σᵢ ‖xᵢ − μ_yᵢ‖² = Σᵢ D_{i yᵢ}"),
)


def active_blocks(phase):
    """Keys of the blocks that are the math of this half-step."""
    return [b.key for b in BLOCKS if phase in b.phases]


def sources(phase, init="k-means++"):
    """(title, source code) of the core functions behind this half-step, read from the code itself."""
    # import_module: the package re-exports a function named ``lloyd`` over the module's name
    kmeans = importlib.import_module("kmeans_core.kmeans")
    lloyd = importlib.import_module("kmeans_core.lloyd")
    seeding = importlib.import_module("kmeans_core.seeding")
    from kmeans_app import runs

    if phase == "init":
        fn = {"k-means++": seeding._kmeans_plusplus, "random": seeding._random_init}.get(init)
        if fn is None:  # picked or dragged centres: runs.fit_run passes them to KMeans as init
            fn = runs.fit_run
        items = [fn]
    elif phase == "assign":
        items = [lloyd.assign]
    else:
        items = [lloyd.update]
    items.append(kmeans._run_lloyd)  # the loop: E step, M step (relocating empty clusters), stop rules
    out = []
    for fn in items:
        try:
            code = inspect.getsource(fn)
        except (OSError, TypeError):  # no source on disk (e.g. a frozen build)
            code = f"# source of {fn.__qualname__} is not available"
        out.append((f"{fn.__module__}.{fn.__qualname__}", code))
    return out
