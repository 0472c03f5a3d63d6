// DeviceSessions: which prekeys to publish (docs/PROTOCOL.md §10.2), from the server's
// prekey_status and the device's clock.
#include <algorithm>
#include <utility>

#include "e2e/device_sessions.h"
#include "e2e/device_state.h"
#include "e2e/prekeys.h"
#include "proto/limits.h"

namespace sc::e2e {

Result<std::optional<proto::msg::PublishPrekeys>> DeviceSessions::prekeys_to_publish(
    const proto::msg::PrekeyStatus& status, std::uint64_t now_ms) {
    auto& st = *state_;
    auto& d = st.data;
    if (d.previous_spk && now_ms >= d.previous_spk->retired_at + proto::kSignedPrekeyGraceMs) {
        d.previous_spk.reset();  // initial messages to it had 14 days to arrive
    }

    proto::msg::PublishPrekeys out;
    const bool current = d.spk && now_ms < d.spk->ts + proto::kSignedPrekeyRotationMs;
    if (!current) {
        SC_TRY_ASSIGN(auto pair, detail::fresh_pair(*st.entropy));
        if (d.spk) {
            d.previous_spk = detail::RetiredPrekey{std::move(*d.spk), now_ms};
        }
        d.spk = detail::OwnedPrekey{d.next_key_id++, now_ms, std::move(pair)};
    }
    // A new one, or ours when the server holds another (one we made but could not publish).
    if (!current || status.spk_id != d.spk->id) {
        out.spk_id = d.spk->id;
        out.spk = d.spk->pair.public_key();
        out.spk_ts = d.spk->ts;
        SC_TRY_ASSIGN(out.spk_sig, sign_prekey(*st.key, PrekeyKind::signed_prekey, st.own.fp,
                                               out.spk_id, out.spk, out.spk_ts));
    }

    if (status.one_time_left < proto::kOneTimePrekeysLowWater) {
        d.topping_up = true;
    }
    if (status.one_time_left >= proto::kMaxOneTimePrekeys) {
        d.topping_up = false;
    }
    if (d.topping_up) {
        const std::size_t count = std::min<std::size_t>(
            proto::kMaxOneTimePrekeys - status.one_time_left, proto::kMaxOneTimePrekeysPerPublish);
        for (std::size_t i = 0; i < count; ++i) {
            SC_TRY_ASSIGN(auto pair, detail::fresh_pair(*st.entropy));
            proto::msg::OneTimePrekey key;
            key.key_id = d.next_key_id++;
            key.key = pair.public_key();
            key.ts = now_ms;
            SC_TRY_ASSIGN(key.sig, sign_prekey(*st.key, PrekeyKind::one_time, st.own.fp, key.key_id,
                                               key.key, key.ts));
            d.one_time.push_back(detail::OwnedPrekey{key.key_id, key.ts, std::move(pair)});
            out.one_time.push_back(std::move(key));
        }
        if (d.one_time.size() > detail::kMaxOneTimePrivateKeys) {
            d.one_time.erase(
                d.one_time.begin(),
                d.one_time.end() - static_cast<std::ptrdiff_t>(detail::kMaxOneTimePrivateKeys));
        }
    }
    if (out.spk_id == 0 && out.one_time.empty()) {
        return std::optional<proto::msg::PublishPrekeys>{};
    }
    return std::optional<proto::msg::PublishPrekeys>(std::move(out));
}

}  // namespace sc::e2e
