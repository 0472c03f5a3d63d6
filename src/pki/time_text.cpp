#include "pki/time_text.h"

#include <ctime>

#include "pki/asn1_time.h"

namespace sc::pki {

std::string format_utc(TimePoint t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

namespace detail {

std::optional<TimePoint> to_time_point(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

crypto::ossl::Asn1TimePtr to_asn1(TimePoint t) {
    return crypto::ossl::Asn1TimePtr(
        ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
}

std::string asn1_text(const ASN1_TIME* t) {
    const unsigned char* data = ASN1_STRING_get0_data(t);
    return std::string(reinterpret_cast<const char*>(data),
                       static_cast<std::size_t>(ASN1_STRING_length(t)));
}

}  // namespace detail
}  // namespace sc::pki
