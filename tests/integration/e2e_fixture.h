// What the end-to-end tests of issue 11 share (E2eCli, E2ePlaintext, E2eHostileServer): the
// JSON events of one `securechat chat --json` process, kept so that a test takes the event it
// waits for wherever it came (two devices' delivered statements arrive in either order); a CA
// made with `securechat pki` holding alice's two devices, bob and carol; device fingerprints;
// and the wait for a device's prekeys to reach the server's store.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "support/live_process.h"

namespace sc::test {

using json = nlohmann::json;
inline constexpr std::chrono::seconds kE2eWait{30};

// One `securechat chat --json` process, as a user at a terminal runs it.
class JsonChat {
  public:
    using Match = std::function<bool(const json&)>;
    explicit JsonChat(const std::vector<std::string>& argv, std::string label);

    void say(const std::string& line);
    // The first event named `name` that matches and was not taken before, read from what was
    // printed so far or waited for (kE2eWait); taken, so the next call finds the one after.
    // Null, and a test failure with everything the client printed, when none comes.
    json take(const std::string& name, const Match& match = {});
    // Every event named `name` printed so far (taken or not), without waiting.
    std::vector<json> seen(const std::string& name) const;
    std::string transcript() const;
    LiveProcess& process() { return process_; }
    const std::string& label() const { return label_; }

  private:
    bool read_one(std::chrono::steady_clock::time_point deadline);
    LiveProcess process_;
    std::string label_;
    std::vector<json> events_;
    std::vector<bool> taken_;
};

// Matchers for JsonChat::take.
JsonChat::Match with(const std::string& field, const std::string& value);
JsonChat::Match with_text(const std::string& text);
JsonChat::Match all_of(std::vector<JsonChat::Match> matches);

// A device's id as the protocol names it: the SHA-256 of its certificate (DER), lowercase hex.
std::string fingerprint_of(const std::filesystem::path& cert_pem);
// Whether a fingerprint printed by the client (hex, either case, with or without colons) is `hex`.
bool is_fingerprint(const json& printed, const std::string& hex);

// A CA made with `securechat pki` in `dir`: server "server" (127.0.0.1), alice's devices laptop
// and phone, bob and carol (each their "default" device). With Existing, the CA directory that
// is already there.
struct CliCa {
    enum class Existing { yes };
    explicit CliCa(std::filesystem::path dir);
    CliCa(std::filesystem::path existing, Existing) : dir(std::move(existing)) {}
    // `pki issue --client USER [--device DEVICE]` into `dir`; false (and a test failure) if it
    // fails.
    bool issue(const std::string& user, const std::string& device = "") const;
    std::filesystem::path cert(const std::string& user, const std::string& device = "") const;
    std::filesystem::path key(const std::string& user, const std::string& device = "") const;
    std::filesystem::path dir;
};

// `securechat chat --json` for a device with `cert`/`key`, its own data directory, against
// 127.0.0.1:port (the server or a proxy in front of it).
std::vector<std::string> chat_argv(const std::filesystem::path& ca_cert, unsigned short port,
                                   const std::filesystem::path& cert,
                                   const std::filesystem::path& key,
                                   const std::filesystem::path& data_dir);

// Waits (bounded, polling the server's SQLite store read-only) until the device `fingerprint`
// holds a signed prekey there, i.e. others can list it and start a session with it.
bool wait_for_prekey(const std::filesystem::path& database, const std::string& fingerprint);

}  // namespace sc::test
