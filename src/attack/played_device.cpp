#include "attack/played_device.h"

#include <chrono>
#include <system_error>

#include "e2e/conversation.h"
#include "e2e/device_trust.h"
#include "proto/limits.h"

namespace sc::attack {

std::uint64_t unix_ms_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

Result<std::unique_ptr<PlayedDevice>> PlayedDevice::open(
    std::vector<pki::Certificate> chain, std::shared_ptr<const crypto::PrivateKey> key,
    const std::filesystem::path& state_dir) {
    if (chain.empty()) {
        return fail("the played device has no certificate");
    }
    std::unique_ptr<PlayedDevice> played(new PlayedDevice());
    const auto& leaf = chain.front();
    played->key_ = std::move(key);
    played->device_.emplace(e2e::VerifiedDevice{.user = leaf.common_name(),
                                                .name = "default",
                                                .fp = leaf.fingerprint(),
                                                .cert_der = pki::Certificate::chain_to_der(chain),
                                                .key = leaf.public_key()});
    played->state_file_ = state_dir / ("played-" + leaf.fingerprint().hex() + ".state");
    SC_TRY_ASSIGN(auto sessions, e2e::DeviceSessions::open(played->state_file_, *played->device_,
                                                           *played->key_, played->entropy_));
    played->sessions_ = std::make_unique<e2e::DeviceSessions>(std::move(sessions));
    SC_TRY_ASSIGN(auto published,
                  played->sessions_->prekeys_to_publish(proto::msg::PrekeyStatus{}, unix_ms_now()));
    if (!published || published->one_time.empty()) {
        return fail("the played device made no prekeys");
    }
    const auto& otk = published->one_time.front();
    played->bundle_ = proto::msg::KeyBundle{.id = 0,
                                            .user = played->device_->user,
                                            .device = played->device_->fp.hex(),
                                            .cert = played->device_->cert_der,
                                            .spk_id = published->spk_id,
                                            .spk = published->spk,
                                            .spk_ts = published->spk_ts,
                                            .spk_sig = published->spk_sig,
                                            .otk_id = otk.key_id,
                                            .otk = otk.key,
                                            .otk_ts = otk.ts,
                                            .otk_sig = otk.sig};
    return played;
}

PlayedDevice::~PlayedDevice() {
    sessions_.reset();
    std::error_code ignored;
    std::filesystem::remove(state_file_, ignored);
}

Result<proto::msg::Envelope> PlayedDevice::seal_for(const proto::msg::KeyBundle& theirs,
                                                    const std::string& user,
                                                    const proto::Trust& trust,
                                                    const std::string& text, std::uint64_t held) {
    auto bundle = e2e::verify_bundle(theirs, user, trust, unix_ms_now());
    if (!bundle) {
        return fail("the client's bundle does not verify: " + bundle.error().message);
    }
    SC_TRY_ASSIGN(auto conv, e2e::Conversation::between(device_->user, user));
    SC_TRY_ASSIGN(auto mid_bytes, entropy_.random(kMessageIdBytes));
    auto mid = MessageId::from_view(mid_bytes);
    if (!mid) {
        return fail("cannot make a message id");
    }
    e2e::OutgoingMessage message{.conv = conv,
                                 .mid = *mid,
                                 .seq = sessions_->next_seq(conv),
                                 .ts = unix_ms_now(),
                                 .text = text};
    SC_TRY_ASSIGN(auto sealed, sessions_->seal(bundle->device, &*bundle, message));
    return proto::msg::Envelope{.from = device_->user,
                                .device = device_->fp.hex(),
                                .mid = Bytes(mid_bytes.begin(), mid_bytes.end()),
                                .held = held,
                                .ts = unix_ms_now(),
                                .body = std::move(sealed.body)};
}

Result<Bytes> PlayedDevice::delivered_for(ByteView body, const std::string& user,
                                          const proto::Trust& trust) {
    SC_TRY_ASSIGN(auto parsed, e2e::parse_envelope(body));
    auto sender = e2e::verify_device(parsed.cert_der, user, trust, unix_ms_now());
    if (!sender) {
        return fail("the client's envelope does not verify: " + sender.error().message);
    }
    auto opened = sessions_->open(parsed, *sender, unix_ms_now());
    if (!opened) {
        return fail("cannot open the client's envelope: " + opened.error().message);
    }
    return sessions_->make_delivered(*opened, unix_ms_now());
}

}  // namespace sc::attack
