#include "proto/session_base.h"

namespace sc::proto {

Failure<ProtocolError> unexpected_message(std::string_view what, std::string_view when) {
    return proto_fail(ErrorCode::unexpected_message,
                      "'" + std::string(what) + "' is not allowed " + std::string(when));
}

Failure<ProtocolError> as_protocol_error(ErrorCode code, const Error& error) {
    return proto_fail(code, error.message);
}

ProtoResult<pki::VerifiedCertificate> verify_peer_chain(const std::vector<Bytes>& ders,
                                                        const Trust& trust, pki::Purpose purpose,
                                                        std::optional<std::string> name,
                                                        std::chrono::system_clock::time_point now) {
    std::vector<pki::Certificate> chain;
    for (const auto& der : ders) {
        auto cert = pki::Certificate::from_der(der);
        if (!cert) {
            return certificate_fail(
                pki::CertError::malformed,
                "certificate is malformed [malformed]: " + cert.error().message);
        }
        chain.push_back(std::move(cert).value());
    }
    pki::VerifyPolicy policy(trust.ca);
    policy.crls = trust.crls;
    policy.expected_name = std::move(name);
    policy.purpose = purpose;
    policy.clock_skew = trust.clock_skew;
    policy.allow_legacy_seed_certs = trust.allow_legacy_seed_certs;
    policy.now = now;
    auto verified = pki::verify_certificate(chain, policy);
    if (!verified) {
        return certificate_fail(verified.error().code, verified.error().message());
    }
    return std::move(verified).value();
}

std::vector<Bytes> chain_der(const Identity& identity) {
    std::vector<Bytes> out;
    for (const auto& cert : identity.chain) {
        out.push_back(cert.to_der());
    }
    return out;
}

Output SessionBase::receive(ByteView bytes) {
    Output out;
    if (finished_) {
        return out;
    }
    reader_.feed(bytes);
    process_buffered(out);
    return out;
}

void SessionBase::resume_input(Output& out) {
    paused_ = false;
    process_buffered(out);
}

void SessionBase::process_buffered(Output& out) {
    while (!finished_ && !paused_) {
        auto next = reader_.next();
        if (std::holds_alternative<NeedMore>(next)) {
            break;
        }
        if (auto* error = std::get_if<ProtocolError>(&next)) {
            fail(*error, out);
            break;
        }
        auto handled = on_frame(std::get<Frame>(next), out);
        if (!handled) {
            fail(handled.error(), out);
        }
    }
}

ProtoResult<bool> SessionBase::on_frame(const Frame& frame, Output& out) {
    SC_TRY_ASSIGN(auto message, msg::decode_outer(frame.payload_text()));
    if (!channel_) {
        if (auto* err = std::get_if<msg::Error>(&message)) {
            out.events.push_back(event::PeerError{err->code, err->message});
            finish(out);
            return true;
        }
        if (std::holds_alternative<msg::Record>(message)) {
            return proto_fail(ErrorCode::unexpected_message,
                              "record before the handshake is complete");
        }
        return on_handshake(frame, std::move(message), out);
    }
    auto* record = std::get_if<msg::Record>(&message);
    if (record == nullptr) {
        return proto_fail(
            ErrorCode::unexpected_message,
            "plaintext '" + std::string(msg::type_name(message)) + "' after the handshake");
    }
    SC_TRY_ASSIGN(auto inner, channel_->open(*record));
    if (auto* err = std::get_if<msg::Error>(&inner)) {
        out.events.push_back(event::PeerError{err->code, err->message});
        finish(out);
        return true;
    }
    return on_inner(std::move(inner), out);
}

Output SessionBase::terminate(ErrorCode code, const std::string& message) {
    Output out;
    fail(ProtocolError{code, message}, out);
    return out;
}

Output SessionBase::send_inner_for_test(const msg::Inner& message) {
    Output out;
    if (channel_) {
        (void)send_sealed(message, out);
    }
    return out;
}

ProtoResult<bool> SessionBase::send_sealed(const msg::Inner& message, Output& out) {
    SC_TRY_ASSIGN(auto frame, channel_->seal(message));
    out.send.push_back(std::move(frame));
    return true;
}

void SessionBase::send_plain(const msg::Outer& message, Output& out) {
    out.send.push_back(make_frame(msg::encode(message)).wire());
}

void SessionBase::fail(const ProtocolError& error, Output& out) {
    if (finished_) {
        return;
    }
    // Cut at a character boundary: the text may quote peer bytes (already made visible).
    msg::Error wire{std::string(error_code_name(error.code)),
                    std::string(utf8_prefix(error.message, 500))};
    if (channel_) {
        if (auto frame = channel_->seal_last_word(wire)) {
            out.send.push_back(std::move(frame).value());
        }
    } else {
        send_plain(msg::Outer{wire}, out);
    }
    out.events.push_back(event::Failed{error});
    finish(out);
}

void SessionBase::finish(Output& out) {
    finished_ = true;
    out.close = true;
}

}  // namespace sc::proto
