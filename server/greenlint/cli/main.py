"""The `greenlint` command line: check, rule, rules."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path

from greenlint import __version__
from greenlint.cli.formats import FORMATS, render
from greenlint.core.analysis import RuleFailure
from greenlint.core.cache import FindingCache
from greenlint.core.checker import Checker, FileResult, Record, with_path
from greenlint.core.config import ConfigError, check_selector
from greenlint.core.source import split_lines
from greenlint.rules import docs
from greenlint.rules.registry import ALL_RULES, known_codes, rule_for
from greenlint.semantics.index import WorkspaceIndex
from greenlint.semantics.index_cache import SummaryCache

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _selectors(value: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    for item in items:
        try:
            check_selector(item, known_codes(), "greenlint")
        except ConfigError as error:
            raise argparse.ArgumentTypeError(str(error).removeprefix("greenlint: ")) from None
    return items


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenlint",
        description="Find and fix misuses of SQLAlchemy's asyncio extension in FastAPI apps.",
    )
    parser.add_argument("--version", action="version", version=f"greenlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="check files and directories (default: the current directory)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes and write the files")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: apply unsafe fixes too")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--select", type=_selectors, metavar="RULES", help="only these codes, prefixes or names")
    check.add_argument("--ignore", type=_selectors, metavar="RULES", help="skip these codes, prefixes or names")
    check.add_argument("--no-cache", action="store_true", help="do not read or write .greenlint_cache")

    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("rule", metavar="CODE", help="a rule code (GL002) or name (unawaited-async-call)")

    commands.add_parser("rules", help="list every rule")

    serve = commands.add_parser("server", help="run the language server (stdio)")
    transport = serve.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    transport.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio (for debugging)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command == "rule":
        found = rule_for(arguments.rule)
        if found is None:
            print(f"greenlint: unknown rule {arguments.rule!r}; see `greenlint rules`", file=sys.stderr)
            return EXIT_ERROR
        sys.stdout.write(docs.render(found))
        return EXIT_CLEAN
    if arguments.command == "server":
        from greenlint.lsp.server import run  # imported here: pygls is only needed by the server

        return run(arguments.tcp)
    if arguments.command == "rules":
        width = max(len(rule.name) for rule in ALL_RULES)
        for rule in ALL_RULES:
            print(f"{rule.code}  {rule.name:<{width}}  {rule.severity.value:<11}  {rule.summary}")
        return EXIT_CLEAN
    return run_check(arguments)


def run_check(arguments: argparse.Namespace) -> int:
    fixing = arguments.fix or arguments.diff
    use_cache = not arguments.no_cache and not fixing  # fixing never creates the cache
    index = WorkspaceIndex(SummaryCache(FindingCache(Path.cwd()).summaries) if use_cache else None)
    checker = Checker(
        arguments.select,
        arguments.ignore,
        use_cache=use_cache,
        with_edits=arguments.format in ("json", "sarif"),
        index=index,
    )
    errors: list[str] = []
    records: list[Record] = []
    results: list[FileResult] = []
    config_errors: list[str] = []  # broken configurations: the files they govern are not checked, the others are
    for file in checker.files(arguments.paths or ["."], errors.append):
        try:
            if fixing:
                result = checker.fix(file, unsafe=arguments.unsafe_fixes, write=arguments.fix and not arguments.diff)
            else:
                result = checker.check(file)
        except ConfigError as error:
            if f"error: {error}" not in config_errors:
                config_errors.append(f"error: {error}")
            continue
        except Exception as error:  # noqa: BLE001 - one file that breaks greenlint must not stop the others
            reason = RuleFailure.of("check", error).error.splitlines()[-1]
            result = FileResult(file, errors=[f"{file.display}: not checked: internal error: {reason}"])
        results.append(result)
        errors.extend(result.errors)
        records.extend(with_path(record, file.display) for record in result.records)
    if index.cache is not None:
        index.cache.save()
    errors = config_errors + errors
    for message in errors:
        print(f"greenlint: {message}", file=sys.stderr)
    if config_errors and not results:
        return EXIT_ERROR  # nothing could be checked
    if arguments.diff:
        changed = [result for result in results if result.fixed_text is not None]
        for result in changed:
            assert result.original is not None and result.fixed_text is not None
            sys.stdout.write(unified_diff(result.original, result.fixed_text, result.file.display))
        return EXIT_FINDINGS if changed else EXIT_CLEAN
    fixed = sum(result.fixed for result in results)
    records.sort(key=lambda record: (record["path"], record["line"], record["column"], record["code"]))
    sys.stdout.write(render(records, arguments.format, fixed, arguments.fix, complete=not errors))
    if not results and errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if records or errors else EXIT_CLEAN


def unified_diff(before: str, after: str, path: str) -> str:
    """A unified diff that `git apply` accepts, with the "No newline at end of file" markers."""
    output = []
    for line in difflib.unified_diff(split_lines(before), split_lines(after), f"a/{path}", f"b/{path}"):
        output.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(output)
