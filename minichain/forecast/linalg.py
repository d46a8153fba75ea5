"""Just enough linear algebra for least squares, in plain Python lists (chapter 12).

A regression's coefficients b solve the *normal equations*

    (X^T X) b = X^T y

where each row of X holds one slot's features and y its true value. ``gram`` builds
X^T X and X^T y in one pass over the rows; ``solve`` solves the small square system by
Gaussian elimination with partial pivoting (at each step the row with the largest pivot
is swapped up, which keeps rounding errors small). Everything is deterministic: the same
rows in the same order give the same bits.

A pivot that is (almost) zero compared with the matrix means a feature is a combination
of the others (say a "Saturday" column on a window with no Saturday): the system has no
single answer and ``solve`` raises ``SingularFeatures`` naming the feature.

Squaring X into X^T X squares its condition number, so this is for a handful of
well-scaled features (what the course needs), not for a thousand nearly equal ones.
"""

from __future__ import annotations

from typing import Sequence

from minichain.errors import ForecastError, SingularFeatures

RELATIVE_PIVOT_TOLERANCE = 1e-12


def gram(rows: Sequence[Sequence[float]], targets: Sequence[float]) -> tuple[list[list[float]], list[float]]:
    """X^T X and X^T y for feature rows X and targets y."""
    if len(rows) != len(targets):
        raise ForecastError(f"every row of features needs one target: {len(rows)} rows, "
                            f"{len(targets)} targets")
    if not rows:
        raise ForecastError("a regression needs at least one row of features")
    width = len(rows[0])
    xtx = [[0.0] * width for _ in range(width)]
    xty = [0.0] * width
    for row, target in zip(rows, targets):
        if len(row) != width:
            raise ForecastError(f"every row needs {width} features, got one with {len(row)}")
        for i in range(width):
            xi = row[i]
            if xi == 0.0:
                continue
            xty[i] += xi * target
            line = xtx[i]
            for j in range(i, width):
                line[j] += xi * row[j]
    for i in range(width):
        for j in range(i):
            xtx[i][j] = xtx[j][i]
    return xtx, xty


def solve(matrix: Sequence[Sequence[float]], vector: Sequence[float],
          names: Sequence[str] | None = None) -> tuple[float, ...]:
    """x with matrix . x = vector (Gaussian elimination, partial pivoting)."""
    n = len(vector)
    if len(matrix) != n or any(len(row) != n for row in matrix):
        raise ForecastError(f"solve needs a square matrix matching the vector's {n} entries")
    a = [list(map(float, row)) + [float(value)] for row, value in zip(matrix, vector)]
    scale = max((abs(value) for row in matrix for value in row), default=0.0)
    for column in range(n):
        pivot_row = max(range(column, n), key=lambda r: abs(a[r][column]))
        if abs(a[pivot_row][column]) <= RELATIVE_PIVOT_TOLERANCE * scale or scale == 0.0:
            which = repr(names[column]) if names else f"number {column}"
            raise SingularFeatures(f"feature {which} is a combination of the others (or always "
                                   "zero) in these rows, so no single fit exists: drop it, or "
                                   "train on more varied days")
        a[column], a[pivot_row] = a[pivot_row], a[column]
        pivot = a[column]
        for r in range(column + 1, n):
            factor = a[r][column] / pivot[column]
            if factor:
                row = a[r]
                for c in range(column, n + 1):
                    row[c] -= factor * pivot[c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return tuple(x)
