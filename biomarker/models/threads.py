"""One BLAS/OpenMP thread for the duration of a model fit (the fits run side by side on a process pool, where
each library's own threads would only contend)."""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager


@functools.lru_cache(maxsize=1)
def _controller():  # type: ignore[no-untyped-def]
    # the scan of the process's shared libraries costs ~2 ms, the limit itself ~20 us; the fits' OpenMP
    # (scikit-learn) and BLAS (numpy, scipy) libraries are loaded by these imports, before the one scan
    import scipy.linalg  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_thread() -> AbstractContextManager:
    """Context in which every BLAS and OpenMP library of the process uses one thread.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with one_thread():
    ...     print({lib["num_threads"] for lib in threadpool_info()})
    {1}
    """
    return _controller().limit(limits=1)


__all__ = ["one_thread"]
