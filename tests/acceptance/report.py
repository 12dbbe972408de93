"""A readable summary for QA at the end of a run: per journey, passed or failed, and where."""

from __future__ import annotations

from collections import defaultdict

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

FEATURE, SCENARIO, FAILED_STEP = "n2g_feature", "n2g_scenario", "n2g_failed_step"


class JourneyReport:
    """Collects scenario outcomes (also from xdist workers) and prints them per feature."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, list[tuple[str, str, str]]] = defaultdict(list)

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Keep the feature's and the scenario's names on the report (they cross xdist)."""
        template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
        if template is not None:
            params = item.nodeid.partition("[")[2].rstrip("]")
            shown = f"{template.name} [{params}]" if params else template.name
            item.user_properties += [(FEATURE, template.feature.name), (SCENARIO, shown)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_step_error(self, request, feature, scenario, step, exception) -> None:
        text = str(exception).strip()
        message = text.splitlines()[0] if text else type(exception).__name__
        request.node.user_properties.append(
            (FAILED_STEP, f"{step.keyword} {step.name} — {message}")
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if FEATURE not in properties:
            return
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            step = properties.get(FAILED_STEP, "")
            if report.failed and not step:
                lines = report.longreprtext.strip().splitlines()
                step = f"({report.when}) {lines[-1] if lines else 'error'}"
            self.outcomes[properties[FEATURE]].append((properties[SCENARIO], report.outcome, step))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.outcomes:
            return
        write = terminalreporter.write_line
        terminalreporter.section("journeys")
        for feature, results in sorted(self.outcomes.items()):
            passed = sum(1 for _, outcome, _ in results if outcome == "passed")
            failed = [result for result in results if result[1] == "failed"]
            verdict = "FAILED" if failed else "passed"
            write(f"{verdict:6}  {feature}: {passed} of {len(results)} scenarios passed")
            for scenario, _, step in failed:
                write(f"          failed: {scenario}")
                write(f"              at: {step}")
