from zoo.testing import PluginConformance


class TestConformance(PluginConformance):
    plugin = "speech"
