"""Raw inputs of the built-in input kinds, read from what a user gives: ``text``, ``image``, ``audio``.

Each built-in task's ``input_loader`` is one of these (``zoo.inputs.text:text_from_argument``,
``zoo.inputs.image:load_image``, ``zoo.inputs.audio:load_input``), so any plugin's model for a
built-in task predicts on files and strings the same way; datasets read files with the same
functions (``read_image``, ``read_audio``), so a bad file is the same one-line error everywhere.
Nothing here is imported by ``import zoo``: PIL, numpy and soundfile load only when an input does.
A task with an input kind of its own names its own loader (see docs/hooks.md).
"""
