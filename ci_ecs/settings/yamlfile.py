"""YAML (and JSON) text to data, with errors that say where: `file:line:column`, duplicate keys included."""

from __future__ import annotations

from typing import Any

from ci_ecs.errors import ConfigError


def load_yaml(text: str, where: str) -> Any:
    """Parse one YAML document; a syntax error or a duplicate key is a ConfigError at `where:line:column`."""
    import yaml  # here, not at import: start-up time counts

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[str] = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in seen:  # PyYAML would silently keep the last one
                        problem = f"duplicate key {key.value!r}"
                        raise yaml.constructor.ConstructorError(None, None, problem, key.start_mark)
                    seen.add(key.value)
            return super().construct_mapping(node, deep)

    try:
        return yaml.load(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise ConfigError(f"{where}{at}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: invalid YAML: {' '.join(str(exc).split())}") from None
