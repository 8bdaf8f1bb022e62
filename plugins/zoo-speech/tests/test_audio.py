"""Reading audio: any rate and channel count in, mono float32 out; bad files named."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from zoo import Audio, SampleError
from zoo_speech.audio import check_waveform, load_input, read_audio, to_rate

from speech_helpers import tone


def test_stereo_44k_file_becomes_mono_float32_at_its_own_rate(write_audio):
    path = write_audio("stereo.wav", seconds=0.25, rate=44_100, channels=2)
    audio = read_audio(path)
    assert audio.sampling_rate == 44_100
    assert audio.waveform.dtype == np.float32 and audio.waveform.shape == (11_025,)
    assert np.allclose(audio.waveform, tone(0.25, 44_100), atol=1e-3)


@pytest.mark.parametrize("name", ["clip.flac", "clip.ogg"])
def test_flac_and_ogg_are_read(write_audio, name):
    audio = load_input(str(write_audio(name, seconds=0.3, rate=22_050)))
    assert audio.sampling_rate == 22_050 and abs(audio.seconds - 0.3) < 0.01


def test_resampling_to_the_model_rate_keeps_the_duration(write_audio):
    audio = read_audio(write_audio("a.wav", seconds=1.0, rate=44_100))
    assert to_rate(audio, 0, 16_000).shape == (16_000,)


def test_a_truncated_wav_is_an_error_naming_the_file(write_audio):
    path = write_audio("cut.wav", seconds=1.0)
    path.write_bytes(path.read_bytes()[:8_000])  # libsndfile alone would read the half that is there
    with pytest.raises(SampleError, match=r"cut\.wav is truncated"):
        read_audio(path)


def test_a_truncated_flac_is_an_error_naming_the_file(write_audio):
    path = write_audio("cut.flac", seconds=1.0, frequency=1234.5)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SampleError, match=r"cut\.flac"):
        read_audio(path)


def test_an_empty_file_is_an_error(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(SampleError, match=r"empty\.wav is empty \(0 bytes\)"):
        read_audio(tmp_path / "empty.wav")


def test_a_file_that_is_not_audio_is_an_error(tmp_path):
    (tmp_path / "notes.wav").write_text("these are meeting notes, not a recording\n")
    with pytest.raises(SampleError, match=r"notes\.wav is not readable audio .*use WAV, FLAC or OGG"):
        read_audio(tmp_path / "notes.wav", sample_id="row 3")


def test_a_wav_with_no_samples_is_an_error(tmp_path):
    sf.write(tmp_path / "none.wav", np.zeros(0, dtype=np.float32), 16_000)
    with pytest.raises(SampleError, match="no audio"):
        read_audio(tmp_path / "none.wav")


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(SampleError, match="does not exist"):
        load_input(str(tmp_path / "nowhere.wav"))


def test_silence_is_an_error_naming_the_batch_position():
    with pytest.raises(SampleError, match="sample 2: the clip is silent") as caught:
        check_waveform(Audio(np.zeros(16_000, dtype=np.float32), 16_000), 2)
    assert caught.value.sample_id == "2"


def test_a_clip_far_longer_than_the_model_takes_is_an_error():
    long_clip = Audio(tone(12.0), 16_000)
    with pytest.raises(SampleError, match=r"12\.0 s long; this model takes at most 10 s"):
        check_waveform(long_clip, 0, max_seconds=10)


def test_nan_samples_are_an_error():
    wave = tone(0.1)
    wave[5] = np.nan
    with pytest.raises(SampleError, match="NaN"):
        check_waveform(Audio(wave, 16_000), 0)
