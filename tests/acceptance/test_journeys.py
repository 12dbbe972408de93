"""The customer journeys of features/*.feature, bound to the steps in tests/acceptance/steps."""

from pytest_bdd import scenarios

scenarios("../../features")
