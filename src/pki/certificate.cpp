#include "pki/certificate.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "crypto/ossl.h"
#include "pki/asn1_time.h"
#include "proto/limits.h"

namespace sc::pki {
namespace ossl = crypto::ossl;
namespace {

// A peer or a file may hold a leaf and its intermediates; more than this is not a real chain.
constexpr std::size_t kMaxChainLength = 8;

// RFC 2253 text. OpenSSL converts every value to UTF-8 and then escapes controls and every byte
// above 0x7F (ESC_CTRL, ESC_MSB: "J\C3\A9"), so this text is plain ASCII and safe on any
// terminal even where a caller forgets display_text; common_name() is the readable form.
std::string name_text(const X509_NAME* name) {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
        ossl::clear_errors();
        return {};
    }
    return ossl::bio_text(bio.get());
}

// The string's characters in UTF-8, whatever its ASN.1 type (a BMPString is UTF-16BE, a
// UniversalString UTF-32BE, a T61String Latin-1 as OpenSSL treats it): never its raw bytes
// (review M1). An undecodable string (an odd-length BMPString, invalid UTF-8 in a UTF8String)
// becomes "<undecodable ...>" rather than bytes a terminal might interpret.
std::string asn1_string_text(const ASN1_STRING* s) {
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, s);
    if (len < 0) {
        ossl::clear_errors();
        return "<undecodable " + std::string(ASN1_tag2str(ASN1_STRING_type(s))) + ">";
    }
    std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    return text;
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
    char buf[INET6_ADDRSTRLEN] = {};
    int len = ASN1_STRING_length(ip);
    const unsigned char* data = ASN1_STRING_get0_data(ip);
    if (len == 4 && inet_ntop(AF_INET, data, buf, sizeof buf) != nullptr) {
        return buf;
    }
    if (len == 16 && inet_ntop(AF_INET6, data, buf, sizeof buf) != nullptr) {
        return buf;
    }
    return "<bad address>";
}

std::string object_name(const ASN1_OBJECT* obj) {
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
        return OBJ_nid2sn(nid);
    }
    char buf[128] = {};
    OBJ_obj2txt(buf, sizeof buf, obj, 1);
    return buf;
}

}  // namespace

Result<std::vector<Certificate>> Certificate::chain_from_pem(std::string_view pem) {
    auto bio = ossl::memory_reader(pem);
    std::vector<Certificate> chain;
    ossl::clear_errors();
    while (true) {
        X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
        if (cert == nullptr) {
            break;
        }
        chain.push_back(Certificate(cert));
        if (chain.size() > kMaxChainLength) {
            return fail("more than " + std::to_string(kMaxChainLength) +
                        " certificates in one chain");
        }
    }
    // Running out of PEM blocks ends the loop with PEM_R_NO_START_LINE; anything else is damage.
    unsigned long err = ERR_peek_last_error();
    bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
    if (chain.empty() || !clean_end) {
        return fail(ossl::error("not a PEM certificate"));
    }
    ossl::clear_errors();
    return chain;
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
    SC_TRY_ASSIGN(auto chain, chain_from_pem(pem));
    if (chain.size() != 1) {
        return fail("expected one certificate, found " + std::to_string(chain.size()));
    }
    return std::move(chain.front());
}

namespace {

// d2i_X509 also takes encodings that are not DER, and re-encodes them otherwise (found by
// e2e_envelope_fuzz: a BIT STRING whose unused bits were set). A certificate is hashed into
// fingerprints and signed fields as the bytes it came in, so only bytes that are exactly its
// DER are a certificate: one certificate, one encoding, one fingerprint.
bool is_its_der(const Certificate& cert, const unsigned char* begin, const unsigned char* end) {
    auto der = cert.to_der();
    return der.size() == static_cast<std::size_t>(end - begin) &&
           std::equal(der.begin(), der.end(), begin);
}

}  // namespace

Result<Certificate> Certificate::from_der(ByteView der) {
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (cert == nullptr) {
        return fail(ossl::error("not a DER certificate"));
    }
    Certificate result(cert);
    if (p != der.data() + der.size()) {
        return fail("trailing bytes after the DER certificate");
    }
    if (!is_its_der(result, der.data(), p)) {
        return fail("the certificate is not in DER (it would re-encode to other bytes)");
    }
    return result;
}

Result<std::vector<Certificate>> Certificate::chain_from_der(ByteView der) {
    std::vector<Certificate> chain;
    const unsigned char* p = der.data();
    const unsigned char* end = der.data() + der.size();
    while (p != end) {
        if (chain.size() == proto::kMaxCertsInChain) {
            return fail("more than " + std::to_string(proto::kMaxCertsInChain) +
                        " certificates in one chain");
        }
        const unsigned char* start = p;
        X509* cert = d2i_X509(nullptr, &p, static_cast<long>(end - p));
        if (cert == nullptr) {
            std::string what = chain.empty() ? std::string("not a DER certificate")
                                             : "certificate " + std::to_string(chain.size() + 1) +
                                                   " of the chain is not DER";
            return fail(ossl::error(what));
        }
        chain.push_back(Certificate(cert));
        if (!is_its_der(chain.back(), start, p)) {
            return fail("certificate " + std::to_string(chain.size()) +
                        " of the chain is not in DER (it would re-encode to other bytes)");
        }
    }
    if (chain.empty()) {
        return fail("no certificate");
    }
    return chain;
}

Bytes Certificate::chain_to_der(const std::vector<Certificate>& chain) {
    Bytes out;
    for (const auto& cert : chain) {
        auto der = cert.to_der();
        out.insert(out.end(), der.begin(), der.end());
    }
    return out;
}

Certificate Certificate::adopt(x509_st* cert) noexcept {
    return Certificate(cert);
}

Certificate::Certificate(x509_st* cert) noexcept : cert_(cert) {
    if (cert_ != nullptr) {
        (void)X509_check_purpose(cert_, -1, 0);  // runs ossl_x509v3_cache_extensions
    }
}

Certificate::Certificate(const Certificate& other) noexcept : cert_(other.cert_) {
    if (cert_ != nullptr) {
        X509_up_ref(cert_);
    }
}

Certificate::Certificate(Certificate&& other) noexcept
    : cert_(std::exchange(other.cert_, nullptr)) {}

Certificate& Certificate::operator=(Certificate other) noexcept {
    std::swap(cert_, other.cert_);
    return *this;
}

Certificate::~Certificate() {
    X509_free(cert_);
}

std::string Certificate::to_pem() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert_) != 1) {
        return {};
    }
    return ossl::bio_text(bio.get());
}

Bytes Certificate::to_der() const {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert_, &der);
    if (len <= 0) {
        return {};
    }
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

std::string Certificate::subject() const {
    return name_text(X509_get_subject_name(cert_));
}
std::string Certificate::issuer() const {
    return name_text(X509_get_issuer_name(cert_));
}

std::string Certificate::common_name() const {
    const X509_NAME* name = X509_get_subject_name(cert_);
    int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) {
        return {};
    }
    return asn1_string_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

Bytes Certificate::serial() const {
    ossl::BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_), nullptr));
    if (!bn) {
        return {};
    }
    Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
    BN_bn2bin(bn.get(), out.data());
    return out;
}

std::string Certificate::serial_hex() const {
    std::string hex = to_hex(serial());
    for (auto& c : hex) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return hex;
}

TimePoint Certificate::not_before() const {
    return detail::to_time_point(X509_get0_notBefore(cert_)).value_or(TimePoint::max());
}

TimePoint Certificate::not_after() const {
    return detail::to_time_point(X509_get0_notAfter(cert_)).value_or(TimePoint::min());
}

crypto::PublicKey Certificate::public_key() const {
    return crypto::PublicKey::adopt(X509_get0_pubkey(cert_));
}

Fingerprint Certificate::fingerprint() const {
    return Fingerprint(crypto::sha256(to_der()));
}

std::string Certificate::fingerprint_text() const {
    return to_hex_colons(fingerprint().view());
}

std::string Certificate::signature_algorithm() const {
    return OBJ_nid2ln(X509_get_signature_nid(cert_));
}

std::vector<std::string> Certificate::subject_alt_names() const {
    std::vector<std::string> out;
    ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert_, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) {
        return out;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        switch (gn->type) {
            case GEN_DNS:
                out.push_back("DNS:" + asn1_string_text(gn->d.dNSName));
                break;
            case GEN_IPADD:
                out.push_back("IP:" + ip_text(gn->d.iPAddress));
                break;
            case GEN_EMAIL:
                out.push_back("email:" + asn1_string_text(gn->d.rfc822Name));
                break;
            case GEN_URI:
                out.push_back("URI:" + asn1_string_text(gn->d.uniformResourceIdentifier));
                break;
            default:
                out.push_back("other");
        }
    }
    return out;
}

std::vector<std::string> Certificate::extended_key_usages() const {
    std::vector<std::string> out;
    ossl::EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(cert_, NID_ext_key_usage, nullptr, nullptr)));
    if (!eku) {
        return out;
    }
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        out.push_back(object_name(sk_ASN1_OBJECT_value(eku.get(), i)));
    }
    return out;
}

std::vector<std::string> Certificate::key_usages() const {
    static constexpr std::pair<std::uint32_t, const char*> kBits[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"},
        {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
        {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},
        {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},
        {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"},
    };
    std::vector<std::string> out;
    if ((X509_get_extension_flags(cert_) & EXFLAG_KUSAGE) == 0) {
        return out;
    }
    std::uint32_t bits = X509_get_key_usage(cert_);
    for (const auto& [bit, name] : kBits) {
        if ((bits & bit) != 0) {
            out.push_back(name);
        }
    }
    return out;
}

bool Certificate::is_ca() const {
    return (X509_get_extension_flags(cert_) & EXFLAG_CA) != 0;
}

bool Certificate::same_as(const Certificate& other) const {
    return X509_cmp(cert_, other.cert_) == 0;
}

}  // namespace sc::pki
