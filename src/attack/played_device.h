// A user's device that `securechat attack hostile-server` plays with the real e2e library: the
// friend whose genuine envelopes a compromised server then replays, or whose bundle it swaps.
// Its certificate and key are the operator's test user's (a server has neither in real life:
// the tool needs genuine envelopes to mishandle). Its ratchet state lives in a file of its own,
// deleted with the object.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "crypto/keys.h"
#include "e2e/device_sessions.h"
#include "pki/certificate.h"
#include "proto/environment.h"
#include "proto/messages.h"

namespace sc::attack {

class PlayedDevice {
  public:
    // `state_dir` must exist; the state file made in it is removed by the destructor.
    static Result<std::unique_ptr<PlayedDevice>> open(std::vector<pki::Certificate> chain,
                                                      std::shared_ptr<const crypto::PrivateKey> key,
                                                      const std::filesystem::path& state_dir);
    ~PlayedDevice();
    PlayedDevice(const PlayedDevice&) = delete;
    PlayedDevice& operator=(const PlayedDevice&) = delete;

    const e2e::VerifiedDevice& device() const { return *device_; }
    // The bundle it would publish: its signed prekey and one one-time prekey, each signed.
    const proto::msg::KeyBundle& bundle() const { return bundle_; }
    // `text` sealed for the device of `theirs` (checked against `trust`, as `user`'s) as the
    // envelope push a server relays, stored as `held`.
    Result<proto::msg::Envelope> seal_for(const proto::msg::KeyBundle& theirs,
                                          const std::string& user, const proto::Trust& trust,
                                          const std::string& text, std::uint64_t held);

    // Opens `body`, a message envelope (kind 1) sealed for this device by `user`'s device
    // (checked against `trust`), and returns this device's genuine delivered statement for it.
    Result<Bytes> delivered_for(ByteView body, const std::string& user, const proto::Trust& trust);

  private:
    PlayedDevice() = default;
    proto::SystemEntropy entropy_;
    std::shared_ptr<const crypto::PrivateKey> key_;  // outlives sessions_
    std::optional<e2e::VerifiedDevice> device_;
    std::filesystem::path state_file_;
    std::unique_ptr<e2e::DeviceSessions> sessions_;
    proto::msg::KeyBundle bundle_;
};

std::uint64_t unix_ms_now();

}  // namespace sc::attack
