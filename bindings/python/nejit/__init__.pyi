"""Type stubs for nejit (numexpr 2.14.2-compatible API plus nejit's own)."""

from types import ModuleType
from typing import Any, Literal, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import expressions as expressions
from . import necompiler as necompiler
from . import utils as utils
from . import version as version
from .expressions import E as E
from .necompiler import NumExpr as NumExpr

_Order = Literal["C", "F", "A", "K"]
_Casting = Literal["no", "equiv", "safe", "same_kind", "unsafe"]
_Stage = Literal["ast", "ir", "opt-ir", "kernel-ir", "plan", "llvm",
                 "opt-llvm", "asm"]

__version__: str
__BLOCK_SIZE1__: int
MAX_THREADS: int
use_vml: bool
is_cpu_amd_intel: bool
ncores: int
nthreads: int

def evaluate(
    ex: str,
    local_dict: Optional[Mapping[str, Any]] = ...,
    global_dict: Optional[Mapping[str, Any]] = ...,
    out: Optional[np.ndarray] = ...,
    order: _Order = ...,
    casting: _Casting = ...,
    sanitize: Optional[bool] = ...,
    _frame_depth: int = ...,
    disable_cache: bool = ...,
    *,
    optimization: Literal["none", "moderate", "aggressive"] = ...,
    truediv: Union[bool, Literal["auto"]] = ...,
) -> np.ndarray: ...
def validate(
    ex: str,
    local_dict: Optional[Mapping[str, Any]] = ...,
    global_dict: Optional[Mapping[str, Any]] = ...,
    out: Optional[np.ndarray] = ...,
    order: _Order = ...,
    casting: _Casting = ...,
    _frame_depth: int = ...,
    sanitize: Optional[bool] = ...,
    *,
    optimization: Literal["none", "moderate", "aggressive"] = ...,
    truediv: Union[bool, Literal["auto"]] = ...,
) -> Optional[Exception]: ...
def re_evaluate(
    local_dict: Optional[Mapping[str, Any]] = ...,
    global_dict: Optional[Mapping[str, Any]] = ...,
    _frame_depth: int = ...,
) -> np.ndarray: ...
def disassemble(nex: Union[NumExpr, "Kernel"]) -> list[str]: ...
def set_num_threads(nthreads: int) -> int: ...
def get_num_threads() -> int: ...
def detect_number_of_cores() -> int: ...
def detect_number_of_threads() -> int: ...
def _init_num_threads() -> int: ...
def set_vml_accuracy_mode(
    mode: Optional[Literal["low", "high", "fast"]]
) -> Optional[str]: ...
def set_vml_num_threads(nthreads: int) -> None: ...
def get_vml_num_threads() -> Optional[int]: ...
def get_vml_version() -> Optional[str]: ...
def vml_status() -> dict[str, Union[bool, str]]: ...
def print_versions() -> None: ...
def test(verbosity: int = ...) -> Any: ...

class Kernel:
    expression: str
    signature: list[Tuple[str, np.dtype]]
    input_names: Tuple[str, ...]
    used_inputs: list[str]
    result_dtype: np.dtype
    reduction: Optional[Literal["sum", "prod", "min", "max"]]
    reduction_axis: Optional[int]
    outputs: list[Tuple[str, np.dtype]]
    passes: int
    is_plan: bool
    #: {'accuracy', 'optimization', 'opt_level'} as compiled
    options: dict[str, Union[str, int]]
    #: (expression, ((name, dtype str), ...), accuracy, optimization,
    #: opt_level): what pickling sends; also the kernel's dask token
    recipe: Tuple[str, Tuple[Tuple[str, str], ...], str, str, int]
    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]: ...
    def __dask_tokenize__(self) -> Tuple[Any, ...]: ...
    def __call__(self, *args: npt.ArrayLike,
                 out: Union[None, np.ndarray, Mapping[str, np.ndarray]] = ...,
                 order: _Order = ..., casting: _Casting = ...,
                 **named: npt.ArrayLike
                 ) -> Union[np.ndarray, dict[str, np.ndarray]]: ...
    def run(self, *args: npt.ArrayLike, **kwargs: Any) -> np.ndarray: ...
    def dis(self, stage: _Stage = ...) -> str: ...

def compile(
    expr: str,
    signature: Union[Sequence[Tuple[str, npt.DTypeLike]], Mapping[str, npt.DTypeLike]],
    *,
    optimization: Literal["none", "moderate", "aggressive"] = ...,
    accuracy: Optional[Literal["high", "low", "fast"]] = ...,
    opt_level: int = ...,
    backend: Literal["auto", "sleef", "vml"] = ...,
) -> Kernel: ...
def cache_stats() -> dict[str, Union[int, float]]: ...
def pool_stats() -> dict[str, Union[int, bool]]: ...
def release_memory() -> int: ...
def clear_cache() -> None: ...
def set_tier(tier: str) -> str: ...
def get_tier() -> str: ...
def get_cpu() -> str: ...
def variable_names(expr: str) -> list[str]: ...
def evaluate_program(
    program: str,
    local_dict: Optional[Mapping[str, Any]] = ...,
    global_dict: Optional[Mapping[str, Any]] = ...,
    out: Union[None, np.ndarray, Mapping[str, np.ndarray]] = ...,
    order: _Order = ...,
    casting: _Casting = ...,
    optimization: Literal["none", "moderate", "aggressive"] = ...,
    accuracy: Optional[Literal["high", "low", "fast"]] = ...,
    _frame_depth: int = ...,
) -> Union[np.ndarray, dict[str, np.ndarray]]: ...
