#include "attack/client_reaction.h"

#include <nlohmann/json.hpp>

#include <sstream>

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

}  // namespace sc::attack
