// Prekeys (issue 11, docs/PROTOCOL.md §2.4 and §10.2): the public keys each device publishes so
// that others can start an end-to-end session with it while it is offline. Per device (a row of
// `devices`): at most one signed prekey, replaced by a newer one, and up to
// proto::kMaxOneTimePrekeys one-time prekeys, each handed out once. The store keeps bytes; the
// server checks the signatures before it stores them, and every client checks them again.
// Written once against store/sql (prekey_store_sql.cpp), thread-safe like the other stores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "store/account_store.h"

namespace sc::store {

struct DeviceRecord;

// A prekey as its device signed it: id (never 0), the 32-byte X25519 public key, the device's
// time in unix ms, and the signature (at most proto::kMaxSigBytes).
struct StoredPrekey {
    std::uint64_t key_id = 0;
    Bytes key;
    std::uint64_t ts = 0;
    Bytes sig;
    bool operator==(const StoredPrekey&) const = default;
};

// What the store holds for one device.
struct PrekeyCounts {
    std::uint64_t spk_id = 0;  // 0: no signed prekey yet
    std::uint64_t spk_ts = 0;
    std::uint64_t one_time_left = 0;
    bool operator==(const PrekeyCounts&) const = default;
};

// One device's keys for a session to it: its certificate, its signed prekey, and one one-time
// prekey (none when they ran out), which take_bundle has deleted.
struct PrekeyBundle {
    std::string fingerprint;
    std::string name;
    Bytes cert_der;
    StoredPrekey signed_prekey;
    std::optional<StoredPrekey> one_time;
};

class PrekeyStore {
  public:
    virtual ~PrekeyStore() = default;

    // Stores the prekeys of the device (account, fingerprint), in one transaction: a signed
    // prekey replaces the one before; one-time prekeys are added. Fails, storing nothing, with
    // not_found when the account has no such device; invalid_argument for a key that is not
    // kPrekeyBytes, an id of 0, a signature empty or longer than kMaxSigBytes, a one-time key id
    // given twice or one the device already holds; limit_reached when the device would hold
    // more than kMaxOneTimePrekeys one-time prekeys. Returns what the device holds then.
    virtual StoreResult<PrekeyCounts> publish_prekeys(
        std::int64_t account_id, const std::string& fingerprint,
        const std::optional<StoredPrekey>& signed_prekey,
        const std::vector<StoredPrekey>& one_time) = 0;
    // not_found when the account has no such device.
    virtual StoreResult<PrekeyCounts> prekey_status(std::int64_t account_id,
                                                    const std::string& fingerprint) = 0;
    // The account's devices that hold a signed prekey, oldest first (first_seen); at most
    // kMaxDevicesPerUser.
    virtual StoreResult<std::vector<DeviceRecord>> devices_with_prekeys(
        std::int64_t account_id) = 0;
    // The bundle of that device, and its one-time prekey with the lowest id deleted in the same
    // transaction: each is handed out once, also to concurrent callers and other processes on
    // the same database. nullopt when the account has no such device or it has no signed prekey.
    virtual StoreResult<std::optional<PrekeyBundle>> take_bundle(
        std::int64_t account_id, const std::string& fingerprint) = 0;
};

}  // namespace sc::store
