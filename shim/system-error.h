// A JS Error like Node's system errors (code such as ENOENT, errno, syscall, path), for every
// wrapper of the shim that fails on a path.
#pragma once
#include <napi.h>

#include <string.h>

#include <string>

inline Napi::Error SystemError(Napi::Env env, int err, const char *syscall, const std::string &path) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " '" + path + "': " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("path", Napi::String::New(env, path));
  const char *name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  return e;
}
