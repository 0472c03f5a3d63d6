// What a client wrote down of an attack on it: the warning lines of its conversation transcript
// with one peer (docs/PROTOCOL.md §11: {"line":"warning", "ts", "code", …, "message"}), which
// the client appends, fsync'd, before it shows the warning. `securechat attack hostile-server`
// reads them from the client's data directory (--client-data) where the client's only
// reaction is a warning: nothing of it reaches the server.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
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

}  // namespace sc::attack
