// SPDX-License-Identifier: GPL-2.0-or-later
// The programs' standard output and error pass through core::DisplayFilter: whatever a message, a
// report or an error carries (GPO names, paths, texts from the domain), no control character but
// newline and tab, and no byte that is not UTF-8, reaches a terminal or a log as itself (issue 11).
// The producers escape untrusted values already (one value stays on one line); this is the last line
// of defence, at the one place every byte passes.
#pragma once

#include "core/base/safe_text.hxx"

#include <iostream>
#include <streambuf>
#include <string>

namespace gpaudit::daemon {

class EscapingStreambuf final : public std::streambuf {
  public:
    explicit EscapingStreambuf(std::streambuf *target) : target_(target) {}

    // Writes out a sequence left incomplete by the last write (escaped) and flushes.
    void finish()
    {
        const auto rest = filter_.finish();
        target_->sputn(rest.data(), static_cast<std::streamsize>(rest.size()));
        target_->pubsync();
    }

  protected:
    int_type overflow(int_type ch) override
    {
        if (traits_type::eq_int_type(ch, traits_type::eof()))
            return sync() == 0 ? traits_type::not_eof(ch) : traits_type::eof();
        const char c = traits_type::to_char_type(ch);
        return xsputn(&c, 1) == 1 ? ch : traits_type::eof();
    }
    std::streamsize xsputn(const char *text, std::streamsize count) override
    {
        const auto out = filter_.feed(std::string_view(text, static_cast<std::size_t>(count)));
        const auto size = static_cast<std::streamsize>(out.size());
        return target_->sputn(out.data(), size) == size ? count : 0;
    }
    int sync() override { return target_->pubsync(); }

  private:
    std::streambuf *target_;
    core::DisplayFilter filter_;
};

// Puts std::cout and std::cerr behind the filter for the life of the process. The buffers are never
// destroyed: the streams may still be flushed by exit handlers after main returns.
class SafeConsole {
  public:
    SafeConsole() : out_(new EscapingStreambuf(std::cout.rdbuf())), err_(new EscapingStreambuf(std::cerr.rdbuf()))
    {
        std::cout.rdbuf(out_);
        std::cerr.rdbuf(err_);
    }
    ~SafeConsole()
    {
        std::cout.flush();
        std::cerr.flush();
        out_->finish();
        err_->finish();
    }
    SafeConsole(const SafeConsole &) = delete;
    SafeConsole &operator=(const SafeConsole &) = delete;

  private:
    EscapingStreambuf *out_;
    EscapingStreambuf *err_;
};

} // namespace gpaudit::daemon
