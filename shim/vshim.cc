// virtkit's native shim: thin wrappers over privileged system calls, no policy.
// For now it only reports its version; later issues add KVM ioctls and container syscalls.
#include <napi.h>

namespace {

constexpr const char *kShimVersion = "0.1.0";

Napi::Value Version(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), kShimVersion);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version));
  return exports;
}

}  // namespace

NODE_API_MODULE(vshim, Init)
