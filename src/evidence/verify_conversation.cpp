#include "evidence/verify_conversation.h"

#include <map>
#include <variant>

#include "crypto/sha256.h"
#include "e2e/conversation.h"
#include "e2e/envelope.h"
#include "evidence/certificate_checks.h"
#include "evidence/conversation_lines.h"
#include "evidence/transcript_lines.h"
#include "pki/user_identity.h"

namespace sc::evidence {
namespace {

namespace conv = conversation;

// One copy is named by what both statements sign: the mid, the device and H(envelope).
std::string copy_key(const MessageId& mid, const Fingerprint& device, ByteView envelope_sha256) {
    return mid.hex() + device.hex() + to_hex(envelope_sha256);
}

struct SentCopyIndex {
    std::size_t line = 0;
    std::uint64_t seq = 0;
    std::string to_user;
};

struct Verified {
    pki::Certificate cert;
    std::string user;
    std::string device;  // a client certificate's device name
};

// A certificate field carried in a line (a leaf, then its intermediates): it parses, chains to
// the CA for `purpose` as of `at` (and is not revoked by then); for a client, it names a user.
Result<Verified> check_carried(ByteView der, pki::Purpose purpose, const EvidenceTrust& trust,
                               std::uint64_t at_ms, const std::string& label,
                               std::string_view role) {
    auto chain = pki::Certificate::chain_from_der(der);
    if (!chain) {
        return fail(label + ": the " + std::string(role) +
                    " certificate does not parse: " + chain.error().message);
    }
    auto at = time_from_ms(at_ms);
    pki::Certificate cert = chain->front();
    SC_TRY(
        check_certificate(*chain, purpose, trust, at, at,
                          label + ": the " + std::string(role) + " certificate " + describe(cert)));
    if (purpose == pki::Purpose::server) {
        auto name = cert.common_name();
        return Verified{std::move(cert), std::move(name), {}};
    }
    auto identity = pki::user_identity(cert);
    if (!identity) {
        return fail(label + ": the " + std::string(role) +
                    " certificate names no user: " + identity.error().message);
    }
    return Verified{std::move(cert), identity->username, identity->device_name};
}

class Walker {
  public:
    Walker(const conv::HeaderLine& header, e2e::Conversation conversation,
           const EvidenceTrust& trust)
        : header_(header), conv_(std::move(conversation)), trust_(trust) {
        summary_.me = header.me;
        summary_.peer = header.peer;
        summary_.device = header.device;
        summary_.created = header.created;
    }

    // Pass 1: where each sent copy is, so that statements may come before or after their line.
    void index(const conv::Line& line, std::size_t number) {
        const auto* m = std::get_if<conv::MessageLine>(&line);
        if (m == nullptr || !m->sent) {
            return;
        }
        auto env = e2e::parse_message_envelope(m->envelope);
        if (!env) {
            return;  // pass 2 names it
        }
        auto hash = crypto::sha256(m->envelope);
        sent_.emplace(copy_key(env->head.mid, env->head.to_fp, hash),
                      SentCopyIndex{number, env->head.seq, m->user});
    }

    Status check(const conv::Line& line, std::size_t number) {
        auto label =
            "line " + std::to_string(number) + " (" + std::string(conv::line_kind(line)) + ")";
        if (const auto* m = std::get_if<conv::MessageLine>(&line)) {
            return message(*m, number, label);
        }
        if (const auto* s = std::get_if<conv::StoredLine>(&line)) {
            return stored(*s, number, label);
        }
        if (const auto* d = std::get_if<conv::DeliveredLine>(&line)) {
            return delivered(*d, number, label);
        }
        if (const auto* e = std::get_if<conv::ExpiredLine>(&line)) {
            expired_.emplace(e->mid.hex() + e->device.hex(), number);
            return {};
        }
        ++summary_.warnings;
        return {};
    }

  private:
    Status message(const conv::MessageLine& m, std::size_t number, const std::string& label) {
        auto env = e2e::parse_message_envelope(m.envelope);
        if (!env) {
            return fail(label + ": the envelope does not parse: " + env.error().message);
        }
        const auto& head = env->head;
        SC_TRY_ASSIGN(const Verified signer, check_carried(env->cert, pki::Purpose::client, trust_,
                                                           head.ts, label, "sender's"));
        const auto& cert = signer.cert;
        if (cert.fingerprint() != head.from_fp) {
            return fail(label + ": the envelope's certificate is not its sender device fp_S (" +
                        head.from_fp.hex() + ")");
        }
        if (head.conv != conv_) {
            return fail(label + ": the envelope's conversation is between '" + head.conv.first() +
                        "' and '" + head.conv.second() + "', not this transcript's '" +
                        conv_.first() + "' and '" + conv_.second() + "'");
        }
        if (!conv_.has(signer.user)) {
            return fail(label + ": the sender's certificate names the user '" + signer.user +
                        "', who is not in this conversation");
        }
        if (m.sent) {
            if (signer.user != header_.me || head.from_fp != header_.device) {
                return fail(label + ": it was not sent by this transcript's device (" +
                            header_.device.hex() + " of '" + header_.me + "') but by '" +
                            signer.user + "' device " + head.from_fp.hex());
            }
            if (head.to_fp != m.device) {
                return fail(label + ": its \"device\" is not the envelope's recipient fp_R (" +
                            head.to_fp.hex() + ")");
            }
            if (!conv_.has(m.user)) {
                return fail(label + ": its \"to\" user is not in this conversation");
            }
        } else {
            if (signer.user != m.user) {
                return fail(label + ": its \"from\" is not '" + signer.user +
                            "', the user the sender's certificate names");
            }
            if (head.from_fp != m.device) {
                return fail(label + ": its \"device\" is not the envelope's sender fp_S (" +
                            head.from_fp.hex() + ")");
            }
            if (head.to_fp != header_.device) {
                return fail(label + ": the envelope is for device " + head.to_fp.hex() +
                            ", not this transcript's device");
            }
        }
        auto signed_bytes = e2e::message_signed(env->head_bytes, env->ct, env->commit);
        if (!cert.public_key().verify(signed_bytes, env->sig)) {
            return fail(label + ": the signature does not verify with the sender's certificate " +
                        describe(cert));
        }
        auto& msg = message_for(head, m.sent, signer, number);
        if (msg.seq != head.seq || msg.ts != head.ts || msg.from_fp != head.from_fp) {
            return fail(label + ": another copy of this message (mid " + head.mid.hex() +
                        ", line " + std::to_string(msg.line) + ") has another sender, seq or ts");
        }
        msg.commitments.push_back({number, env->commit});
        if (m.sent) {
            CopyProof copy;
            copy.line = number;
            copy.to_user = m.user;
            copy.device = head.to_fp;
            auto key = copy_key(head.mid, head.to_fp, crypto::sha256(m.envelope));
            if (copies_.count(key) == 0) {  // the same copy written twice proves nothing more
                copies_.emplace(key,
                                std::make_pair(&msg - summary_.messages.data(), msg.copies.size()));
                msg.copies.push_back(std::move(copy));
            }
        }
        return {};
    }

    ConversationMessage& message_for(const e2e::MessageHead& head, bool sent,
                                     const Verified& signer, std::size_t number) {
        auto [it, fresh] = by_mid_.emplace(head.mid.hex(), summary_.messages.size());
        if (fresh) {
            ConversationMessage msg;
            msg.line = number;
            msg.sent = sent;
            msg.from_user = signer.user;
            msg.from_device = signer.device;
            msg.from_fp = head.from_fp;
            msg.mid = head.mid;
            msg.seq = head.seq;
            msg.ts = head.ts;
            summary_.messages.push_back(std::move(msg));
        }
        return summary_.messages[it->second];
    }

    Status stored(const conv::StoredLine& s, std::size_t number, const std::string& label) {
        const auto& st = s.statement;
        SC_TRY_ASSIGN(const Verified server, check_carried(s.server_cert, pki::Purpose::server,
                                                           trust_, st.ts, label, "server"));
        const auto& cert = server.cert;
        if (!cert.public_key().verify(e2e::stored_signed(e2e::encode_stored(st)), s.sig)) {
            return fail(label + ": the signature does not verify with the server certificate " +
                        describe(cert));
        }
        if (st.fp_s != header_.device) {
            return fail(label + ": it is for a copy sent by device " + st.fp_s.hex() +
                        ", not this transcript's device");
        }
        auto it = sent_.find(copy_key(st.mid, st.fp_r, st.envelope_sha256));
        if (it == sent_.end()) {
            return fail(label +
                        ": it matches no sent line (the same mid, device and envelope "
                        "hash)");
        }
        if (it->second.to_user != s.to) {
            return fail(label + ": its \"to\" is not the sent line's (line " +
                        std::to_string(it->second.line) + ")");
        }
        stored_.emplace(copy_key(st.mid, st.fp_r, st.envelope_sha256),
                        StoredProof{number, server.user, st.held, st.ts, st.expires});
        return {};
    }

    Status delivered(const conv::DeliveredLine& d, std::size_t number, const std::string& label) {
        auto env = e2e::parse_delivered_envelope(d.envelope);
        if (!env) {
            return fail(label + ": the delivered statement does not parse: " + env.error().message);
        }
        const auto& st = env->statement;
        SC_TRY_ASSIGN(const Verified recipient, check_carried(env->cert, pki::Purpose::client,
                                                              trust_, st.ts, label, "recipient's"));
        const auto& cert = recipient.cert;
        if (cert.fingerprint() != st.fp_r) {
            return fail(label + ": the statement's certificate is not its signer device fp_R (" +
                        st.fp_r.hex() + ")");
        }
        if (st.fp_r != d.device) {
            return fail(label + ": its \"device\" is not the statement's signer fp_R (" +
                        st.fp_r.hex() + ")");
        }
        if (recipient.user != d.to) {
            return fail(label + ": its \"to\" is not '" + recipient.user +
                        "', the user the recipient's certificate names");
        }
        if (st.conv != conv_ || !conv_.has(recipient.user)) {
            return fail(label + ": the statement is not for this conversation");
        }
        if (!cert.public_key().verify(e2e::delivered_signed(env->delivered_bytes), env->sig)) {
            return fail(label +
                        ": the signature does not verify with the recipient's "
                        "certificate " +
                        describe(cert));
        }
        if (st.fp_s != header_.device) {
            return fail(label + ": it is for a message sent by device " + st.fp_s.hex() +
                        ", not this transcript's device");
        }
        auto key = copy_key(st.mid, st.fp_r, st.envelope_sha256);
        auto it = sent_.find(key);
        if (it == sent_.end() || it->second.seq != st.seq) {
            return fail(label +
                        ": it matches no sent line (the same mid, seq, device and "
                        "envelope hash): a delivered statement for a message never "
                        "sent");
        }
        delivered_.emplace(key, DeliveredProof{number, recipient.device, st.ts});
        return {};
    }

  public:
    // After pass 2: every statement onto its copy.
    ConversationSummary done() {
        for (const auto& [key, where] : copies_) {
            auto& copy = summary_.messages[where.first].copies[where.second];
            if (auto s = stored_.find(key); s != stored_.end()) {
                copy.stored = s->second;
            }
            if (auto d = delivered_.find(key); d != delivered_.end()) {
                copy.delivered = d->second;
            }
            const auto& msg = summary_.messages[where.first];
            if (auto e = expired_.find(msg.mid.hex() + copy.device.hex()); e != expired_.end()) {
                copy.expired_line = e->second;
            }
        }
        return std::move(summary_);
    }

  private:
    const conv::HeaderLine& header_;
    e2e::Conversation conv_;
    const EvidenceTrust& trust_;
    ConversationSummary summary_;
    std::map<std::string, SentCopyIndex> sent_;
    std::map<std::string, std::size_t> by_mid_;
    std::map<std::string, std::pair<std::size_t, std::size_t>> copies_;  // message, copy
    std::map<std::string, StoredProof> stored_;        // the first statement of each copy
    std::map<std::string, DeliveredProof> delivered_;  // idem
    std::map<std::string, std::size_t> expired_;
};

}  // namespace

Result<ConversationSummary> verify_conversation(std::string_view transcript_text,
                                                const EvidenceTrust& trust) {
    auto lines = split_lines(transcript_text);
    if (lines.empty()) {
        return fail("the transcript is empty");
    }
    // A crash can leave the last append unfinished: no JSON object, or no final newline.
    std::optional<std::size_t> torn;
    if (lines.size() > 1 && !conv::is_json_object(lines.back().body())) {
        torn = lines.back().number;
        lines.pop_back();
    }
    auto header = conv::parse_header(lines.front().body());
    if (!header) {
        return fail("line 1 (header): " + header.error().message);
    }
    auto conversation = e2e::Conversation::between(header->me, header->peer);
    bool canonical =
        conversation &&
        ((conversation->first() == header->me && conversation->second() == header->peer) ||
         (conversation->first() == header->peer && conversation->second() == header->me));
    if (!canonical) {
        return fail("line 1 (header): \"me\" and \"peer\" are not two canonical usernames");
    }
    SC_TRY(check_crls(trust));
    std::vector<conv::Line> parsed;
    parsed.reserve(lines.size());
    for (std::size_t i = 1; i < lines.size(); ++i) {
        auto line = conv::parse_line(lines[i].body());
        if (!line) {
            return fail("line " + std::to_string(lines[i].number) + ": " + line.error().message);
        }
        parsed.push_back(std::move(line).value());
    }
    Walker walker(*header, std::move(conversation).value(), trust);
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        walker.index(parsed[i], lines[i + 1].number);
    }
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        SC_TRY(walker.check(parsed[i], lines[i + 1].number));
    }
    auto summary = walker.done();
    summary.lines = lines.size();
    summary.torn_line = torn;
    summary.missing_final_newline = !lines.back().terminated;
    return summary;
}

Result<ConversationDisclosure> check_conversation_disclosure(const ConversationSummary& summary,
                                                             std::string_view disclosure_text) {
    SC_TRY_ASSIGN(auto file, conv::parse_disclosure(disclosure_text));
    for (std::size_t i = 0; i < summary.messages.size(); ++i) {
        const auto& msg = summary.messages[i];
        if (msg.mid != file.mid) {
            continue;
        }
        auto commit = e2e::message_commitment(file.salt, file.text);
        for (const auto& c : msg.commitments) {
            if (c.commit == commit) {
                return ConversationDisclosure{i, c.line, std::move(file.text)};
            }
        }
        return fail("disclosure: the text and salt do not match the commitment of message " +
                    file.mid.hex() + " (line " + std::to_string(msg.line) + ")");
    }
    return fail("disclosure: the transcript has no message with mid " + file.mid.hex());
}

}  // namespace sc::evidence
