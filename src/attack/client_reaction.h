// What a client wrote down or showed of an attack on it, where nothing of its reaction reaches
// the server: the warning lines of its conversation transcript with one peer (docs/PROTOCOL.md
// §11: {"line":"warning", "ts", "code", …, "message"}), which the client appends, fsync'd,
// before it shows the warning (read from its data directory, --client-data); and its
// line-mode output (`securechat chat --plain` or `--json` written to a file, --client-output),
// for what reached its screen.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sc::attack {

struct RecordedWarning {
    std::string code;
    std::string message;
};

// The transcript of the device `own_fp_hex` with `peer`, in the client's data directory
// (DATA/e2e/<fp>/conversations/<peer>.jsonl); its warnings timestamped at or after `since_ms`.
// No file is an empty list: the client recorded nothing with that peer.
Result<std::vector<RecordedWarning>> recorded_warnings(const std::filesystem::path& client_data,
                                                       const std::string& own_fp_hex,
                                                       const std::string& peer,
                                                       std::uint64_t since_ms);

// What a client's line-mode output holds: whether `marker` is shown in it, and the first
// control character, bidi override or byte that is not UTF-8 in it raw (empty when none; line
// feeds end its lines and are not counted), said with where it is.
struct ShownOutput {
    bool marker_shown = false;
    std::string raw_control;
};
ShownOutput shown_output(std::string_view output, std::string_view marker);

}  // namespace sc::attack
