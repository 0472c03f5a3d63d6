#include "server/address_block.h"

namespace sc::server {

std::string address_block(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return address_block(asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()));
    }
    if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        bytes[3] = 0;
        return asio::ip::address_v4(bytes).to_string() + "/24";
    }
    auto bytes = address.to_v6().to_bytes();
    for (std::size_t i = 8; i < bytes.size(); ++i) {
        bytes[i] = 0;
    }
    return asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace sc::server
