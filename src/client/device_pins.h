// The devices this device has seen, per contact (docs/PROTOCOL.md §10.1): pinned by name and
// certificate fingerprint, kept in data_dir/e2e/<own fingerprint hex>/pins.json (0600, written
// atomically). The rules:
//   - the first time a contact is seen, its devices are pinned silently;
//   - a new device name of a known contact is pinned and used, with warning device_added;
//   - a pinned name showing another fingerprint is held (warning device_changed, both
//     fingerprints), and nothing goes to or is accepted from it until `/trust USER DEVICE`.
// Only devices whose certificates passed e2e::verify_device reach these pins.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "e2e/device_sessions.h"

namespace sc::client {

struct PinnedDevice {
    std::string name;
    std::string fingerprint;  // hex, lowercase
    Bytes cert_der;
    std::uint64_t first_seen = 0;  // unix ms
    bool changed = false;          // a certificate with another fingerprint was seen for `name`
    std::string pending_fingerprint;
    Bytes pending_cert_der;
};

struct PinCheck {
    enum class Verdict {
        first_contact,  // pinned silently with the contact's other devices
        known,          // pinned already, same fingerprint
        added,          // a new name of a known contact: pinned, use it, warn device_added
        changed,        // a pinned name with another fingerprint: held, warn device_changed
    } verdict = Verdict::known;
    std::string old_fingerprint;  // changed: the pinned one
    bool newly_changed = false;   // changed: this fingerprint was not pending before (warn once)
    bool usable() const { return verdict != Verdict::changed; }
};

class DevicePins {
  public:
    // An empty set when the file does not exist; a file that does not parse is an error.
    static Result<DevicePins> load(std::filesystem::path file);

    // Whether `user` has pins at all. A caller checking a batch (the devices of one `devices`
    // answer) asks once before it, so that every device of a first contact is pinned silently.
    bool knows(std::string_view user) const;
    // Checks `device` against the pins of its user, pinning as the rules say; `known_contact`
    // is knows(user) before the batch.
    PinCheck check(const e2e::VerifiedDevice& device, bool known_contact, std::uint64_t now_ms);
    // Accepts the pending certificate of `user`'s device `name`; fails, naming why, when there
    // is none.
    Status trust(std::string_view user, std::string_view name, std::uint64_t now_ms);
    // The pinned device of `user` with fingerprint `fp_hex` (only a trusted, current one).
    const PinnedDevice* find(std::string_view user, std::string_view fp_hex) const;
    const std::vector<PinnedDevice>* devices(std::string_view user) const;

    // Writes the pins when they changed since the last save (or load); else does nothing.
    Status save();
    const std::filesystem::path& file() const { return file_; }

  private:
    std::filesystem::path file_;
    std::map<std::string, std::vector<PinnedDevice>> contacts_;  // canonical user → devices
    bool unsaved_ = false;
};

}  // namespace sc::client
