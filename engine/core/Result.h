#pragma once

#include "ErrorKind.h"

#include <QString>

#include <utility>
#include <variant>

namespace loopscope {

// Why something failed: a category to act on and a sentence for people that names the file,
// host or server reply involved.
struct Failure {
    ErrorKind kind = ErrorKind::Network;
    QString message;
};

// The engine's one way of saying how an operation that can fail ended: its value, or a
// Failure. Result<> carries no value.
template<typename T = void>
class [[nodiscard]] Result {
public:
    Result(T value)
        : m_state(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Failure failure)
        : m_state(std::in_place_index<1>, std::move(failure))
    {
    }

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    // Only when ok().
    const T &value() const & { return std::get<0>(m_state); }
    T &value() & { return std::get<0>(m_state); }
    T &&value() && { return std::get<0>(std::move(m_state)); }
    const T *operator->() const { return &value(); }
    T *operator->() { return &value(); }
    const T &operator*() const & { return value(); }
    T &operator*() & { return value(); }

    // Only when !ok().
    const Failure &failure() const { return std::get<1>(m_state); }
    ErrorKind kind() const { return ok() ? ErrorKind::None : failure().kind; }
    QString error() const { return ok() ? QString() : failure().message; }

private:
    std::variant<T, Failure> m_state;
};

template<>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Failure failure)
        : m_failure(std::move(failure))
        , m_ok(false)
    {
    }

    bool ok() const { return m_ok; }
    explicit operator bool() const { return ok(); }
    const Failure &failure() const { return m_failure; }
    ErrorKind kind() const { return m_ok ? ErrorKind::None : m_failure.kind; }
    QString error() const { return m_ok ? QString() : m_failure.message; }

private:
    Failure m_failure;
    bool m_ok = true;
};

} // namespace loopscope
