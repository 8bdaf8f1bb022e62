"""Testing kit for zoo and for plugin authors.

* :class:`PluginConformance`: subclass it in one line in your plugin's tests
  and pytest checks your plugin against the contract::

      from zoo.testing import PluginConformance

      class TestConformance(PluginConformance):
          plugin = "acme"

* :func:`check_prediction_order`: the kit's order check on its own, for any
  registry and plugin; returns an :class:`OrderReport`.
* :func:`fake_plugin` and :func:`registry_of`: a registry built from plugin
  objects in memory, with no installed packages involved.
"""

from zoo.testing.conformance import OrderReport, PluginConformance, check_prediction_order
from zoo.testing.fakes import fake_plugin, registry_of

__all__ = ["OrderReport", "PluginConformance", "check_prediction_order", "fake_plugin", "registry_of"]
