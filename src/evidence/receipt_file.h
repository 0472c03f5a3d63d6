// The receipt file of docs/PROTOCOL.md §7: the `receipt` message's JSON object plus
// "session_id" (hex) and "signer" (B64 of the signer's leaf certificate DER), so that a receipt
// saved to disk can be checked by a third party without the session.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "pki/certificate.h"
#include "proto/messages.h"

namespace sc::evidence {

struct ReceiptFile {
    proto::msg::Receipt receipt;
    SessionId session_id;
    pki::Certificate signer;  // parsed, not trusted: verify_evidence decides
};

// The file's text: a JSON object with one field per line (keys sorted) and a final newline.
// One field per line keeps the file readable and lets the openssl recipe in PROTOCOL.md §7 pick
// fields with sed.
std::string receipt_file_text(const proto::msg::Receipt& receipt, const SessionId& session_id,
                              const pki::Certificate& signer);

// Strict: exactly the fields above, of their types; hex in lower case; base64 as §1 requires.
Result<ReceiptFile> parse_receipt_file(std::string_view text);

}  // namespace sc::evidence
