#include "pki/ca_directory.h"

#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/files.h"
#include "crypto/key_file.h"
#include "crypto/ossl.h"
#include "pki/cert_index.h"
#include "pki/names.h"

namespace sc::pki {
namespace fs = std::filesystem;
namespace {

// Certificates, CRLs and keys are small; a bound keeps a wrong path from reading gigabytes.
constexpr std::size_t kMaxPemBytes = 1024 * 1024;
constexpr std::chrono::hours kDay{24};

Status check_days(int days) {
    if (days < 1 || days > kMaxDays) {
        return fail("--days must be between 1 and " + std::to_string(kMaxDays));
    }
    return {};
}

Status ensure_directory(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        return {};
    }
    if (!fs::create_directories(dir, ec) && ec) {
        return fail("cannot create " + dir.string() + ": " + ec.message());
    }
    // It will hold private keys: owner only.
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
        return fail("cannot restrict " + dir.string() + ": " + ec.message());
    }
    return {};
}

Result<std::uint64_t> next_crl_number(const CaLayout& layout) {
    std::error_code ec;
    if (!fs::exists(layout.crl_number, ec)) {
        return std::uint64_t{1};
    }
    SC_TRY_ASSIGN(auto text, read_file(layout.crl_number, 64));
    try {
        std::size_t used = 0;
        auto value = std::stoull(text, &used, 10);
        if (used == 0 || value == 0) {
            throw std::invalid_argument("zero");
        }
        return static_cast<std::uint64_t>(value);
    } catch (const std::exception&) {
        return fail(layout.crl_number.string() + " does not hold a CRL number");
    }
}

Status write_new_key_and_cert(const crypto::PrivateKey& key, const Certificate& cert,
                              const fs::path& key_file, const fs::path& cert_file) {
    SC_TRY_ASSIGN(auto pem, key.to_pem());
    SC_TRY(write_file_atomically(key_file, pem.reveal(crypto::SecretAccess{}),
                                 FileMode::private_0600, Replace::no));
    auto cert_written = write_file_atomically(cert_file, as_bytes(cert.to_pem()),
                                              FileMode::public_0644, Replace::no);
    if (!cert_written) {
        std::error_code ec;
        fs::remove(key_file, ec);  // no key without its certificate
        return cert_written;
    }
    return {};
}

}  // namespace

CaLayout::CaLayout(fs::path directory)
    : dir(std::move(directory)),
      key(dir / "ca.key"),
      cert(dir / "ca.crt"),
      index(dir / "index.txt"),
      crl(dir / "ca.crl"),
      crl_number(dir / "crlnumber") {}

fs::path CaLayout::entity_key(const std::string& name) const {
    return dir / (name + ".key");
}
fs::path CaLayout::entity_cert(const std::string& name) const {
    return dir / (name + ".crt");
}

Result<std::vector<Certificate>> load_certificate_chain(const fs::path& path) {
    SC_TRY_ASSIGN(auto pem, read_file(path, kMaxPemBytes));
    auto chain = Certificate::chain_from_pem(pem);
    if (!chain) {
        return fail(path.string() + ": " + chain.error().message);
    }
    return std::move(chain).value();
}

Result<Crl> load_crl(const fs::path& path) {
    SC_TRY_ASSIGN(auto pem, read_file(path, 64 * kMaxPemBytes));
    auto crl = Crl::from_pem(pem);
    if (!crl) {
        return fail(path.string() + ": " + crl.error().message);
    }
    return std::move(crl).value();
}

Result<CertificateAuthority> load_ca(const CaLayout& layout) {
    std::error_code ec;
    if (!fs::exists(layout.cert, ec) || !fs::exists(layout.key, ec)) {
        return fail("no CA in " + layout.dir.string() + " (run `securechat pki init` first)");
    }
    SC_TRY_ASSIGN(auto chain, load_certificate_chain(layout.cert));
    // read(2) into wiped memory: no stream or string buffer keeps a copy of the CA key (I3).
    SC_TRY_ASSIGN(auto key, crypto::load_private_key(layout.key));
    if (!chain.front().public_key().same_key_as(key.public_key())) {
        return fail(layout.key.string() + " does not belong to " + layout.cert.string());
    }
    return CertificateAuthority(std::move(chain.front()), std::move(key));
}

Result<Certificate> init_ca(const InitRequest& request) {
    SC_TRY(check_days(request.days));
    if (request.name.empty() || request.name.size() > 64) {
        return fail("the CA name must be 1-64 characters");
    }
    CaLayout layout(request.dir);
    SC_TRY(ensure_directory(layout.dir));
    SC_TRY_ASSIGN(auto lock, DirectoryLock::acquire(layout.dir));
    std::error_code ec;
    if (fs::exists(layout.key, ec) || fs::exists(layout.cert, ec)) {
        return fail("a CA already exists in " + layout.dir.string() + "; refusing to overwrite it");
    }
    SC_TRY_ASSIGN(auto ca, CertificateAuthority::create_root(request.name, request.key_type,
                                                             request.now - kBackdate,
                                                             request.now + request.days * kDay));
    SC_TRY(write_new_key_and_cert(ca.key(), ca.certificate(), layout.key, layout.cert));
    return ca.certificate();
}

Result<IssueResult> issue_certificate(const IssueRequest& request) {
    SC_TRY(check_days(request.days));
    SC_TRY(check_entity_name(request.name));
    if (request.profile != Profile::server && request.profile != Profile::client) {
        return fail("`pki issue` makes server and client certificates only");
    }
    CertSpec spec;
    spec.profile = request.profile;
    spec.common_name = request.name;
    spec.subject_alt_names.push_back(san_for_name(request.name));
    for (const auto& text : request.extra_sans) {
        SC_TRY_ASSIGN(auto san, parse_san(text));
        if (std::find(spec.subject_alt_names.begin(), spec.subject_alt_names.end(), san) ==
            spec.subject_alt_names.end()) {
            spec.subject_alt_names.push_back(san);
        }
    }
    CaLayout layout(request.dir);
    SC_TRY_ASSIGN(auto ca, load_ca(layout));
    SC_TRY_ASSIGN(auto lock, DirectoryLock::acquire(layout.dir));
    IssueResult result{ca.certificate(), layout.entity_key(request.name),
                       layout.entity_cert(request.name), false};
    std::error_code ec;
    if (fs::exists(result.key_file, ec) || fs::exists(result.cert_file, ec)) {
        return fail(result.cert_file.string() +
                    " or its key already exists; refusing to overwrite");
    }
    spec.not_before = request.now - kBackdate;
    spec.not_after = request.now + request.days * kDay;
    // A certificate must not outlive its issuer: nobody could verify it after the CA expires.
    if (spec.not_after > ca.certificate().not_after()) {
        spec.not_after = ca.certificate().not_after();
        result.shortened_to_ca_expiry = true;
    }
    if (spec.not_after <= request.now) {
        return fail("the CA has expired; it cannot issue certificates");
    }
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(request.key_type));
    SC_TRY_ASSIGN(result.certificate, ca.sign(key.public_key(), spec));
    SC_TRY_ASSIGN(auto index, CertIndex::load(layout.index));
    SC_TRY(write_new_key_and_cert(key, result.certificate, result.key_file, result.cert_file));
    index.add_issued(result.certificate, result.cert_file.filename().string());
    auto saved = index.save(layout.index);
    if (!saved) {
        fs::remove(result.key_file, ec);  // unrecorded certificates must not exist
        fs::remove(result.cert_file, ec);
        return fail(std::move(saved).error());
    }
    return result;
}

Result<RevokeResult> revoke_certificate(const fs::path& dir, const fs::path& cert_file,
                                        TimePoint now) {
    CaLayout layout(dir);
    SC_TRY_ASSIGN(auto ca, load_ca(layout));
    SC_TRY_ASSIGN(auto chain, load_certificate_chain(cert_file));
    const Certificate& cert = chain.front();
    if (X509_verify(cert.native(), ca.certificate().public_key().native()) != 1) {
        crypto::ossl::clear_errors();
        return fail(cert_file.string() + " was not issued by the CA in " + dir.string());
    }
    SC_TRY_ASSIGN(auto lock, DirectoryLock::acquire(layout.dir));
    SC_TRY_ASSIGN(auto index, CertIndex::load(layout.index));
    RevokeResult result{cert, false, ""};
    IndexEntry* entry = index.find(cert.serial_hex());
    if (entry != nullptr && entry->revoked()) {
        result.already_revoked = true;
        result.revoked_at = entry->revoked_at;
        return result;
    }
    if (entry != nullptr) {
        index.mark_revoked(*entry, now);
    } else {
        index.add_revoked(cert, now);  // signed by this CA but issued by another tool
        entry = index.find(cert.serial_hex());
    }
    result.revoked_at = entry->revoked_at;
    SC_TRY(index.save(layout.index));
    return result;
}

Result<CrlResult> publish_crl(const CrlRequest& request) {
    SC_TRY(check_days(request.days));
    CaLayout layout(request.dir);
    SC_TRY_ASSIGN(auto ca, load_ca(layout));
    SC_TRY_ASSIGN(auto lock, DirectoryLock::acquire(layout.dir));
    SC_TRY_ASSIGN(auto index, CertIndex::load(layout.index));
    std::vector<RevokedEntry> revoked;
    for (const auto& entry : index.entries()) {
        if (!entry.revoked()) {
            continue;
        }
        auto serial = from_hex(entry.serial_hex);
        auto when = parse_index_time(entry.revoked_at.substr(0, entry.revoked_at.find(',')));
        if (!serial || !when) {
            return fail(layout.index.string() + ": bad revoked entry for serial " +
                        entry.serial_hex);
        }
        revoked.push_back(RevokedEntry{*serial, *when});
    }
    SC_TRY_ASSIGN(auto number, next_crl_number(layout));
    CrlResult result{layout.crl, static_cast<int>(revoked.size()), number,
                     request.now + request.days * kDay};
    SC_TRY_ASSIGN(auto crl,
                  ca.make_crl(revoked, request.now - kBackdate, result.next_update, number));
    SC_TRY(write_file_atomically(layout.crl, as_bytes(crl.to_pem()), FileMode::public_0644,
                                 Replace::yes));
    SC_TRY(write_file_atomically(layout.crl_number, as_bytes(std::to_string(number + 1) + "\n"),
                                 FileMode::public_0644, Replace::yes));
    return result;
}

}  // namespace sc::pki
