#!/usr/bin/env bash
# Draws the charts of docs/choosing-a-model.md with its own commands: choosing-a-model.png on the bundled
# speech models, measured here, and imagenet-1k-params.png from the catalogue's reported numbers alone; in a
# results store of its own (yours is left alone). The speech figures are this machine's.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 ZOO_RESULTS="$(mktemp -d)/results.sqlite"
zoo list --task audio-classification --available --sort accuracy
zoo run digits-cnn-synth pocketsphinx-en-us-digits --dataset spoken-digits-synth --quiet
zoo bench digits-cnn-synth pocketsphinx-en-us-digits --seconds 2
zoo leaderboard --dataset spoken-digits-synth --x latency --plot docs/images/choosing-a-model.png
zoo leaderboard --dataset imagenet-1k --plot docs/images/imagenet-1k-params.png > /dev/null  # 1,800 rows
rm -rf "$(dirname "$ZOO_RESULTS")"
