"""Audio reading lives in the core (:mod:`zoo.inputs.audio`), shared by every plugin's audio task."""

from zoo.inputs.audio import (MAX_AUDIO_SECONDS, SILENCE_PEAK, check_waveform, load_input, max_audio_seconds,
                              read_audio, resample, to_rate)

__all__ = ["MAX_AUDIO_SECONDS", "SILENCE_PEAK", "check_waveform", "load_input", "max_audio_seconds", "read_audio",
           "resample", "to_rate"]
