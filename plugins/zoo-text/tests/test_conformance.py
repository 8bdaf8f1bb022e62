"""The zoo plugin contract, run against this plugin."""

from zoo.testing import PluginConformance


class TestConformance(PluginConformance):
    plugin = "text"
