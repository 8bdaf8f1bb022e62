"""Testing kit for zoo and for plugin authors.

* :class:`PluginConformance`: subclass it in one line in your plugin's tests
  and pytest checks your plugin against the contract::

      from zoo.testing import PluginConformance

      class TestConformance(PluginConformance):
          plugin = "acme"

* :func:`check_models_run`: the kit's smoke check on its own, for any registry
  and plugin: every model that builds offline runs 2 samples through the
  engine; returns a :class:`SmokeReport`.
* :func:`check_prediction_order`: the kit's order check on its own, for any
  registry and plugin; returns an :class:`OrderReport`.
* :class:`PluginModels`: a plugin's models, each built once, which both checks
  take so that a session builds each model once.
* :func:`fake_plugin` and :func:`registry_of`: a registry built from plugin
  objects in memory, with no installed packages involved.
"""

from zoo.testing.conformance import (OrderReport, PluginConformance, SmokeReport, check_models_run,
                                    check_prediction_order)
from zoo.testing.fakes import fake_plugin, registry_of
from zoo.testing.plugin_models import PluginModels, example_inputs

__all__ = ["OrderReport", "PluginConformance", "PluginModels", "SmokeReport", "check_models_run",
           "check_prediction_order", "example_inputs", "fake_plugin", "registry_of"]
