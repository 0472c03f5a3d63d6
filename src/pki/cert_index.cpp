#include "pki/cert_index.h"

#include <openssl/x509.h>

#include "common/files.h"
#include "pki/asn1_time.h"

namespace sc::pki {
namespace {

// Index lines are bounded so a corrupted file cannot make us allocate without limit.
constexpr std::size_t kMaxIndexBytes = 64 * 1024 * 1024;

std::vector<std::string> split_tabs(std::string_view line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
        auto tab = line.find('\t', start);
        fields.emplace_back(line.substr(start, tab - start));
        if (tab == std::string_view::npos) {
            break;
        }
        start = tab + 1;
    }
    return fields;
}

std::string oneline_subject(const Certificate& cert) {
    char buf[1024] = {};
    X509_NAME_oneline(X509_get_subject_name(cert.native()), buf, sizeof buf);
    return buf;
}

std::string asn1_now(TimePoint when) {
    return detail::asn1_text(detail::to_asn1(when).get());
}

}  // namespace

std::optional<TimePoint> parse_index_time(const std::string& text) {
    crypto::ossl::Asn1TimePtr t(ASN1_TIME_new());
    if (!t || ASN1_TIME_set_string_X509(t.get(), text.c_str()) != 1) {
        crypto::ossl::clear_errors();
        return std::nullopt;
    }
    return detail::to_time_point(t.get());
}

Result<CertIndex> CertIndex::parse(std::string_view text) {
    CertIndex index;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty()) {
            continue;
        }
        auto fields = split_tabs(line);
        if (fields.size() != 6 || fields[0].size() != 1 ||
            (fields[0][0] != 'V' && fields[0][0] != 'R' && fields[0][0] != 'E') ||
            fields[3].empty()) {
            return fail("index line " + std::to_string(line_no) + " is not in index.txt format");
        }
        index.entries_.push_back(
            IndexEntry{fields[0][0], fields[1], fields[2], fields[3], fields[4], fields[5]});
    }
    return index;
}

Result<CertIndex> CertIndex::load(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return CertIndex{};
    }
    SC_TRY_ASSIGN(auto text, read_file(path, kMaxIndexBytes));
    auto parsed = parse(text);
    if (!parsed) {
        return fail(path.string() + ": " + parsed.error().message);
    }
    return std::move(parsed).value();
}

std::string CertIndex::serialize() const {
    std::string out;
    for (const auto& e : entries_) {
        out += std::string(1, e.status) + '\t' + e.expiry + '\t' + e.revoked_at + '\t' +
               e.serial_hex + '\t' + e.file + '\t' + e.subject + '\n';
    }
    return out;
}

Status CertIndex::save(const std::filesystem::path& path) const {
    return write_file_atomically(path, as_bytes(serialize()), FileMode::public_0644, Replace::yes);
}

void CertIndex::add_issued(const Certificate& cert, const std::string& file) {
    entries_.push_back(IndexEntry{'V', detail::asn1_text(X509_get0_notAfter(cert.native())), "",
                                  cert.serial_hex(), file, oneline_subject(cert)});
}

IndexEntry* CertIndex::find(std::string_view serial_hex) {
    for (auto& e : entries_) {
        if (e.serial_hex == serial_hex) {
            return &e;
        }
    }
    return nullptr;
}

void CertIndex::mark_revoked(IndexEntry& entry, TimePoint when) {
    entry.status = 'R';
    entry.revoked_at = asn1_now(when);
}

void CertIndex::add_revoked(const Certificate& cert, TimePoint when) {
    add_issued(cert, "unknown");
    mark_revoked(entries_.back(), when);
}

}  // namespace sc::pki
