#!/usr/bin/env bash
# Builds the seed corpus of the `inbound` target: every message of tests/corpora, and of
# the shared corpora when given (`fuzz/seed.sh ../shared/corpora`), one file per message.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$root/fuzz/corpus/inbound"
for dir in "$root/tests/corpora" "$@"; do
    find "$dir" -type f \( -path '*/eml/*' -o -path '*/bodies/*' \) -print0 |
        while IFS= read -r -d '' file; do
            cp "$file" "$root/fuzz/corpus/inbound/$(sha1sum "$file" | cut -c1-16)"
        done
done
ls "$root/fuzz/corpus/inbound" | wc -l
