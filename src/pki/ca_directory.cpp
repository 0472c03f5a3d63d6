#include "pki/ca_directory.h"

#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/files.h"
#include "common/usernames.h"
#include "crypto/key_file.h"
#include "crypto/ossl.h"
#include "pki/cert_index.h"
#include "pki/certificate_request.h"
#include "pki/names.h"
#include "pki/user_identity.h"

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

bool is_self_issued(const Certificate& cert) {
    return cert.subject() == cert.issuer();
}

// What an issued certificate's file holds: the leaf, then its CA when that CA is an
// intermediate, so that whoever presents the file presents the chain (PROTOCOL.md §2.1).
std::string issued_pem(const Certificate& leaf, const CertificateAuthority& ca) {
    auto pem = leaf.to_pem();
    if (!is_self_issued(ca.certificate())) {
        pem += ca.certificate().to_pem();
    }
    return pem;
}

Status write_new_key_and_cert(const crypto::PrivateKey& key, const std::string& cert_pem,
                              const fs::path& key_file, const fs::path& cert_file) {
    SC_TRY_ASSIGN(auto pem, key.to_pem());
    SC_TRY(write_file_atomically(key_file, pem.reveal(crypto::SecretAccess{}),
                                 FileMode::private_0600, Replace::no));
    auto cert_written =
        write_file_atomically(cert_file, as_bytes(cert_pem), FileMode::public_0644, Replace::no);
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

Result<std::vector<Crl>> load_crls(const fs::path& path) {
    SC_TRY_ASSIGN(auto pem, read_file(path, 64 * kMaxPemBytes));
    auto crls = Crl::all_from_pem(pem);
    if (!crls) {
        return fail(path.string() + ": " + crls.error().message);
    }
    return std::move(crls).value();
}

Result<std::vector<Crl>> load_crls(const std::vector<fs::path>& paths) {
    std::vector<Crl> all;
    for (const auto& path : paths) {
        SC_TRY_ASSIGN(auto crls, load_crls(path));
        all.insert(all.end(), crls.begin(), crls.end());
    }
    return all;
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

namespace {
Result<Certificate> init_intermediate_ca(const InitRequest& request);
}  // namespace

Result<Certificate> init_ca(const InitRequest& request) {
    if (!request.parent.empty()) {
        return init_intermediate_ca(request);
    }
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
    SC_TRY(write_new_key_and_cert(ca.key(), ca.certificate().to_pem(), layout.key, layout.cert));
    return ca.certificate();
}

namespace {

// Both `issue` and `sign`: from kBackdate ago for `days`, but never past the CA's own end,
// since nobody could verify the certificate after the CA expires. True when it was cut short.
Result<bool> set_validity(CertSpec& spec, const CertificateAuthority& ca, int days, TimePoint now) {
    spec.not_before = now - kBackdate;
    spec.not_after = now + days * kDay;
    bool shortened = false;
    if (spec.not_after > ca.certificate().not_after()) {
        spec.not_after = ca.certificate().not_after();
        shortened = true;
    }
    if (spec.not_after <= now) {
        return fail("the CA has expired; it cannot issue certificates");
    }
    return shortened;
}

// A client certificate's names: CN the username, DNS:<username> (what `allowed_client_names`
// and `pki verify --name` match), and the device URI for a named device.
Status set_client_names(CertSpec& spec, const std::string& username,
                        const std::string& device_name) {
    if (auto problem = username_problem(username)) {
        return fail("'" + username + "' cannot name a user: " + *problem);
    }
    SC_TRY(check_entity_name(username));  // also a file name: not one of the CA's own
    spec.common_name = username;
    spec.subject_alt_names.push_back("DNS:" + username);
    if (!device_name.empty() && device_name != kDefaultDeviceName) {
        if (auto problem = device_name_problem(device_name)) {
            return fail("'" + device_name + "': " + *problem);
        }
        spec.subject_alt_names.push_back(device_san(device_name));
    }
    return {};
}

Status refuse_existing(const fs::path& file) {
    std::error_code ec;
    if (fs::exists(file, ec)) {
        return fail(file.string() +
                    " already exists; refusing to overwrite (revoke it and choose another name)");
    }
    return {};
}

// Records a certificate just written; an unrecorded certificate must not exist, so `written`
// is removed when the index cannot be saved.
Status record_issued(const CaLayout& layout, const Certificate& cert, const fs::path& file,
                     const std::vector<fs::path>& written) {
    auto saved = [&]() -> Status {
        SC_TRY_ASSIGN(auto index, CertIndex::load(layout.index));
        index.add_issued(cert, file.filename().string());
        return index.save(layout.index);
    }();
    if (!saved) {
        std::error_code ec;
        for (const auto& path : written) {
            fs::remove(path, ec);
        }
    }
    return saved;
}

// Signed by the root in `request.parent`, under whose lock it is recorded; pathlen 0, so the
// parent must be a root: an intermediate cannot sign CAs.
Result<Certificate> init_intermediate_ca(const InitRequest& request) {
    SC_TRY(check_days(request.days));
    if (request.name.empty() || request.name.size() > 64) {
        return fail("the CA name must be 1-64 characters");
    }
    CaLayout parent_layout(request.parent);
    SC_TRY_ASSIGN(auto parent, load_ca(parent_layout));
    if (!is_self_issued(parent.certificate())) {
        return fail("the CA in " + request.parent.string() +
                    " is itself an intermediate CA, which may not sign CAs (pathlen 0); give "
                    "the root CA's directory as --parent");
    }
    CaLayout layout(request.dir);
    SC_TRY(ensure_directory(layout.dir));
    std::error_code ec;
    if (fs::equivalent(layout.dir, parent_layout.dir, ec)) {
        return fail("--dir and --parent are the same directory");
    }
    SC_TRY_ASSIGN(auto parent_lock, DirectoryLock::acquire(parent_layout.dir));
    SC_TRY_ASSIGN(auto lock, DirectoryLock::acquire(layout.dir));
    if (fs::exists(layout.key, ec) || fs::exists(layout.cert, ec)) {
        return fail("a CA already exists in " + layout.dir.string() + "; refusing to overwrite it");
    }
    CertSpec spec;
    spec.profile = Profile::intermediate_ca;
    spec.common_name = request.name;
    SC_TRY(set_validity(spec, parent, request.days, request.now));
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(request.key_type));
    SC_TRY_ASSIGN(auto cert, parent.sign(key.public_key(), spec));
    SC_TRY(CertIndex::load(parent_layout.index));  // a broken index is refused before files appear
    SC_TRY(write_new_key_and_cert(key, cert.to_pem(), layout.key, layout.cert));
    SC_TRY(record_issued(parent_layout, cert, layout.cert, {layout.key, layout.cert}));
    return cert;
}

}  // namespace

// "default" is the device a certificate without a device URI belongs to, so it is written as
// no URI and the plain file name: one encoding per identity.
std::string client_file_stem(const std::string& username, const std::string& device_name) {
    return device_name.empty() || device_name == kDefaultDeviceName ? username
                                                                    : username + "@" + device_name;
}

Result<IssueResult> issue_certificate(const IssueRequest& request) {
    SC_TRY(check_days(request.days));
    if (request.profile != Profile::server && request.profile != Profile::client) {
        return fail("`pki issue` makes server and client certificates only");
    }
    CertSpec spec;
    spec.profile = request.profile;
    std::string stem = request.name;
    if (request.profile == Profile::client) {
        SC_TRY(set_client_names(spec, request.name, request.device_name));
        stem = client_file_stem(request.name, request.device_name);
    } else {
        if (!request.device_name.empty()) {
            return fail("--device names a user's device: it is for client certificates only");
        }
        SC_TRY(check_entity_name(request.name));
        spec.common_name = request.name;
        spec.subject_alt_names.push_back(san_for_name(request.name));
    }
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
    IssueResult result{ca.certificate(), layout.entity_key(stem), layout.entity_cert(stem), false};
    SC_TRY(refuse_existing(result.key_file));
    SC_TRY(refuse_existing(result.cert_file));
    SC_TRY_ASSIGN(result.shortened_to_ca_expiry, set_validity(spec, ca, request.days, request.now));
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(request.key_type));
    SC_TRY_ASSIGN(result.certificate, ca.sign(key.public_key(), spec));
    SC_TRY(CertIndex::load(layout.index));  // a broken index is refused before files appear
    SC_TRY(write_new_key_and_cert(key, issued_pem(result.certificate, ca), result.key_file,
                                  result.cert_file));
    SC_TRY(record_issued(layout, result.certificate, result.cert_file,
                         {result.key_file, result.cert_file}));
    return result;
}

namespace {

// What the CA accepts from a request, each refusal naming the rule.
Result<UserIdentity> check_request(const CertificateRequest& csr, const fs::path& file) {
    auto refuse = [&](const std::string& why) {
        return fail("refusing " + file.string() + ": " + why);
    };
    if (auto signed_ok = csr.check_signature(); !signed_ok) {
        return refuse(signed_ok.error().message);
    }
    auto key = csr.public_key();
    if (!key) {
        return refuse(key.error().message);
    }
    if (auto usable = crypto::check_protocol_key(key->describe()); !usable) {
        return refuse("the CA does not accept its key: " + usable.error().message);
    }
    auto identity = user_identity(csr);
    if (!identity) {
        return refuse(identity.error().message);
    }
    return std::move(identity).value();
}

}  // namespace

Result<SignResult> sign_certificate_request(const SignRequest& request) {
    SC_TRY(check_days(request.days));
    SC_TRY_ASSIGN(auto pem, read_file(request.csr_file, kMaxPemBytes));
    auto csr = CertificateRequest::from_pem(pem);
    if (!csr) {
        return fail(request.csr_file.string() + ": " + csr.error().message);
    }
    SC_TRY_ASSIGN(auto identity, check_request(*csr, request.csr_file));
    std::string device = identity.device_name;
    CertSpec spec;
    spec.profile = Profile::client;
    SC_TRY(set_client_names(spec, identity.username, device));
    CaLayout layout(request.dir);
    SC_TRY_ASSIGN(auto ca, load_ca(layout));
    SC_TRY_ASSIGN(auto lock, DirectoryLock::acquire(layout.dir));
    fs::path out = request.out;
    if (out.empty()) {
        out = request.csr_file;
        out.replace_extension(".crt");
    }
    SignResult result{ca.certificate(),
                      identity.username,
                      identity.device_name,
                      layout.entity_cert(client_file_stem(identity.username, device)),
                      out,
                      false};
    SC_TRY(refuse_existing(result.ca_copy));
    SC_TRY(refuse_existing(result.out));
    SC_TRY_ASSIGN(result.shortened_to_ca_expiry, set_validity(spec, ca, request.days, request.now));
    SC_TRY_ASSIGN(auto key, csr->public_key());
    SC_TRY_ASSIGN(result.certificate, ca.sign(key, spec));
    SC_TRY(CertIndex::load(layout.index));
    const std::string pem_text = issued_pem(result.certificate, ca);
    const ByteView pem_out = as_bytes(pem_text);
    SC_TRY(write_file_atomically(result.ca_copy, pem_out, FileMode::public_0644, Replace::no));
    if (auto written =
            write_file_atomically(result.out, pem_out, FileMode::public_0644, Replace::no);
        !written) {
        std::error_code ec;
        fs::remove(result.ca_copy, ec);
        return fail(std::move(written).error());
    }
    SC_TRY(record_issued(layout, result.certificate, result.ca_copy, {result.ca_copy, result.out}));
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
