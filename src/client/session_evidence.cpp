#include "client/session_evidence.h"

#include "client/client_settings.h"
#include "common/files.h"

namespace sc::client {

Result<SessionEvidence> SessionEvidence::create(const std::filesystem::path& dir,
                                                const SessionId& session_id,
                                                const pki::Certificate& peer) {
    SC_TRY(ensure_private_dir(dir));
    SC_TRY_ASSIGN(auto files, evidence::SessionFiles::create(dir, session_id));
    auto cert_path = dir / (to_hex(session_id) + ".peer.crt");
    SC_TRY(write_file_atomically(cert_path, as_bytes(peer.to_pem()), FileMode::public_0644,
                                 Replace::no));
    return SessionEvidence(std::move(files), std::move(cert_path));
}

Result<note::ReceiptSaved> SessionEvidence::save_receipts(const proto::event::ReceiptsExchanged& e,
                                                          const SessionId& session_id,
                                                          const pki::Certificate& own_leaf,
                                                          const pki::Certificate& peer) {
    SC_TRY(files_.save_receipts(e.own, e.peer, session_id, own_leaf, peer));
    return note::ReceiptSaved{files_.transcript_path(), files_.own_receipt_path(),
                              files_.peer_receipt_path(), peer_cert_path_,
                              e.transcript_sha256.hex()};
}

}  // namespace sc::client
