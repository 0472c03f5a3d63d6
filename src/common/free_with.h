// A unique_ptr deleter that calls a C library's own free function:
//   std::unique_ptr<sqlite3, FreeWith<sqlite3_close_v2>>
#pragma once

namespace sc {

template <auto Free>
struct FreeWith {
    template <class T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};

}  // namespace sc
