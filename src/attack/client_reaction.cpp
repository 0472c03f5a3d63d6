#include "attack/client_reaction.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

#include "common/display_text.h"
#include "common/files.h"
#include "common/usernames.h"

namespace sc::attack {

Result<std::vector<RecordedWarning>> recorded_warnings(const std::filesystem::path& client_data,
                                                       const std::string& own_fp_hex,
                                                       const std::string& peer,
                                                       std::uint64_t since_ms) {
    if (!is_valid_username(peer)) {
        return fail("'" + peer + "' is not a username");
    }
    const auto file = client_data / "e2e" / own_fp_hex / "conversations" / (peer + ".jsonl");
    std::vector<RecordedWarning> found;
    std::error_code error;
    if (!std::filesystem::exists(file, error)) {
        return found;
    }
    SC_TRY_ASSIGN(auto text, read_file(file));
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || j.value("line", "") != "warning" || !j.contains("ts") ||
            !j["ts"].is_number_unsigned() || j["ts"].get<std::uint64_t>() < since_ms) {
            continue;
        }
        found.push_back({j.value("code", ""), j.value("message", "")});
    }
    return found;
}

ShownOutput shown_output(std::string_view output, std::string_view marker) {
    ShownOutput shown{output.find(marker) != std::string_view::npos, {}};
    for (std::size_t i = 0; i < output.size();) {
        char32_t cp = 0;
        const std::size_t len = decode_utf8(output, i, cp);
        if (len == 0) {
            shown.raw_control = "a byte that is not UTF-8 at byte " + std::to_string(i);
            break;
        }
        if (cp != U'\n' && is_control_code_point(cp)) {
            char code[16];
            std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
            shown.raw_control = std::string(code) + " at byte " + std::to_string(i);
            break;
        }
        i += len;
    }
    return shown;
}

}  // namespace sc::attack
