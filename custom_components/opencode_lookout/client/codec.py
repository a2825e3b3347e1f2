"""Decode wire JSON into the client's dataclasses and encode them back, field for field.

The dataclass fields are the wire fields, in wire order: one definition serves parsing,
sending and the golden-file test. Unknown keys are ignored when decoding (an agent may
add fields within a schema); missing or mistyped ones are errors. Error messages name
the place, never the value: frame content stays out of logs.
"""

from dataclasses import MISSING, fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
import functools
import types
from typing import Any, Union, cast, get_args, get_origin, get_type_hints

# Field metadata: leave the key out when the value is None (Rust's skip_serializing_if).
OMIT_NONE = {"omit_none": True}


class DecodeError(ValueError):
    """A JSON value does not match the model."""


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """Return the resolved field types of a dataclass."""
    return get_type_hints(cls)


def decode[T](cls: type[T], value: object) -> T:
    """Build cls from a JSON value; raise DecodeError when it does not fit."""
    return cast("T", _decode(cls, value, cls.__name__))


def decode_field(cls: type, name: str, value: object) -> Any:
    """Decode the value of one field of dataclass cls; DecodeError if not its field."""
    if (tp := _hints(cls).get(name)) is None:
        raise DecodeError(f"{cls.__name__}: no field {name!r}")
    return _decode(tp, value, f"{cls.__name__}.{name}")


def _decode(tp: Any, value: object, where: str) -> Any:
    """Decode value as type tp (`where` names the place for errors)."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _decode(arg, value, where)
            except DecodeError:
                continue
        raise DecodeError(f"{where}: not {tp}")
    if origin is list:
        if not isinstance(value, list):
            raise DecodeError(f"{where}: expected a list")
        (item,) = get_args(tp)
        return [_decode(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict or tp is Any:
        if tp is not Any and not isinstance(value, dict):
            raise DecodeError(f"{where}: expected an object")
        return value
    if is_dataclass(tp):
        return _decode_dataclass(cast("type[Any]", tp), value, where)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError as err:
            raise DecodeError(f"{where}: not a {tp.__name__} value") from err
    # A subclass check, not identity: the tests' clock control (freezegun) swaps the
    # module's datetime for a subclass.
    if isinstance(tp, type) and issubclass(tp, datetime):
        if not isinstance(value, str):
            raise DecodeError(f"{where}: expected a timestamp")
        try:
            return datetime.fromisoformat(value)
        except ValueError as err:
            raise DecodeError(f"{where}: bad timestamp") from err
    return _decode_scalar(tp, value, where)


def _decode_scalar(tp: Any, value: object, where: str) -> Any:
    """Decode a str, int, float or bool (JSON has no int/bool distinction in Python)."""
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    raise DecodeError(f"{where}: not {getattr(tp, '__name__', tp)}")


def _decode_dataclass(cls: type, value: object, where: str) -> Any:
    """Decode a JSON object into dataclass cls."""
    if not isinstance(value, dict):
        raise DecodeError(f"{where}: expected an object")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if not f.init:
            continue
        if f.name not in value:
            if f.default is not MISSING or f.default_factory is not MISSING:
                continue
            if f.metadata.get("omit_none"):
                kwargs[f.name] = None
                continue
            raise DecodeError(f"{where}: missing field {f.name!r}")
        kwargs[f.name] = _decode(hints[f.name], value[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def encode(value: Any) -> Any:
    """Return the JSON value of a model (dataclass, list, enum, datetime or scalar)."""
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item is None and f.metadata.get("omit_none"):
                continue
            out[f.name] = encode(item)
        return out
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        # The agent's format: RFC 3339 UTC with milliseconds and "Z".
        text = value.astimezone(UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    return value
