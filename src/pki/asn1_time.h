// Internal to src/pki: conversions between ASN1_TIME and TimePoint.
#pragma once

#include <openssl/asn1.h>

#include <optional>
#include <string>

#include "crypto/ossl.h"
#include "pki/time_text.h"

namespace sc::pki::detail {

std::optional<TimePoint> to_time_point(const ASN1_TIME* t);
// UTCTime before 2050, GeneralizedTime after, as RFC 5280 4.1.2.5 requires.
crypto::ossl::Asn1TimePtr to_asn1(TimePoint t);
// The DER string form ("261123140921Z"), as OpenSSL's index.txt stores it.
std::string asn1_text(const ASN1_TIME* t);

}  // namespace sc::pki::detail
