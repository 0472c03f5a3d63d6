#include "crypto/ossl.h"

#include <openssl/err.h>

namespace sc::crypto::ossl {

std::string drain_errors() {
    std::string reasons;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        char buf[256];
        const char* reason = ERR_reason_error_string(code);
        if (reason == nullptr) {
            ERR_error_string_n(code, buf, sizeof buf);
            reason = buf;
        }
        if (!reasons.empty()) {
            reasons += "; ";
        }
        reasons += reason;
    }
    return reasons;
}

void clear_errors() noexcept {
    ERR_clear_error();
}

Error error(std::string_view what) {
    std::string reasons = drain_errors();
    std::string message(what);
    message += ": ";
    message += reasons.empty() ? "unknown OpenSSL error" : reasons;
    return Error{std::move(message)};
}

BioPtr memory_reader(std::string_view data) {
    return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == nullptr) {
        return {};
    }
    return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace sc::crypto::ossl
