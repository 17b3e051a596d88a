// The baseline for bench/kvm.ts: a bare C KVM loader and exit loop doing the same work as
// virtkit's VMM, on the same boot records (core.wasm's, written to a file by the bench), with
// the same VM setup (in-kernel irqchip and PIT, host CPUID). It answers port I/O the cheapest
// way that still boots Linux to its first serial byte: COM1's line status says "ready", the
// i8042 reset line stops the run.
//
//   bare-vmm RECORDS KERNEL INITRD|- MEMORY_BYTES exits   → prints the exits/s of the run
//   bare-vmm RECORDS KERNEL INITRD|- MEMORY_BYTES first   → prints ms from start to the first serial byte
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *slurp(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); exit(1); }
  struct stat st;
  fstat(fd, &st);
  void *p = malloc(st.st_size ? st.st_size : 1);
  size_t at = 0;
  while (at < (size_t)st.st_size) {
    ssize_t n = read(fd, (char *)p + at, st.st_size - at);
    if (n <= 0) { perror("read"); exit(1); }
    at += n;
  }
  close(fd);
  *len = st.st_size;
  return p;
}

static int must(int rc, const char *what) {
  if (rc < 0) { perror(what); exit(1); }
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: bare-vmm RECORDS KERNEL INITRD|- MEMORY_BYTES exits|first\n"); return 2; }
  double start = now_ms();
  size_t recordsLen, kernelLen, initrdLen = 0;
  uint8_t *records = slurp(argv[1], &recordsLen);
  uint8_t *kernel = slurp(argv[2], &kernelLen);
  uint8_t *initrd = strcmp(argv[3], "-") ? slurp(argv[3], &initrdLen) : NULL;
  uint64_t memBytes = strtoull(argv[4], NULL, 10);
  int countExits = strcmp(argv[5], "exits") == 0;

  int sys = must(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
  int vm = must(ioctl(sys, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
  must(ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL), "KVM_SET_TSS_ADDR");
  uint64_t identity = 0xfffbc000;
  must(ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity), "KVM_SET_IDENTITY_MAP_ADDR");
  must(ioctl(vm, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
  struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
  must(ioctl(vm, KVM_CREATE_PIT2, &pit), "KVM_CREATE_PIT2");
  uint8_t *ram = mmap(NULL, memBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = memBytes, .userspace_addr = (uint64_t)ram};
  must(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
  int vcpu = must(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
  int runSize = must(ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
  struct kvm_run *run = mmap(NULL, runSize, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

  struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + 100 * sizeof(struct kvm_cpuid_entry2));
  cpuid->nent = 100;
  must(ioctl(sys, KVM_GET_SUPPORTED_CPUID, cpuid), "KVM_GET_SUPPORTED_CPUID");
  must(ioctl(vcpu, KVM_SET_CPUID2, cpuid), "KVM_SET_CPUID2");

  // the boot records: kind u32, then WRITE [addr u64][len u32][bytes] · KERNEL [offset u32][addr u64]
  // · INITRD [addr u64] · REGS [kvm_regs] · SREGS [kvm_sregs] (the segments and control registers)
  size_t at = 0;
  while (at < recordsLen) {
    uint32_t kind;
    memcpy(&kind, records + at, 4);
    at += 4;
    if (kind == 1) {
      uint64_t addr; uint32_t len;
      memcpy(&addr, records + at, 8);
      memcpy(&len, records + at + 8, 4);
      memcpy(ram + addr, records + at + 12, len);
      at += 12 + len;
    } else if (kind == 2) {
      uint32_t offset; uint64_t addr;
      memcpy(&offset, records + at, 4);
      memcpy(&addr, records + at + 4, 8);
      memcpy(ram + addr, kernel + offset, kernelLen - offset);
      at += 12;
    } else if (kind == 3) {
      uint64_t addr;
      memcpy(&addr, records + at, 8);
      if (initrd) memcpy(ram + addr, initrd, initrdLen);
      at += 8;
    } else if (kind == 4) {
      must(ioctl(vcpu, KVM_SET_REGS, records + at), "KVM_SET_REGS");
      at += sizeof(struct kvm_regs);
    } else if (kind == 5) {
      struct kvm_sregs sregs;
      must(ioctl(vcpu, KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
      uint64_t apicBase = sregs.apic_base;
      memcpy(&sregs, records + at, sizeof(sregs));
      sregs.apic_base = apicBase;
      must(ioctl(vcpu, KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
      at += sizeof(struct kvm_sregs);
    } else {
      fprintf(stderr, "unknown record %u\n", kind);
      return 1;
    }
  }

  uint8_t lcr = 0;
  uint64_t exits = 0;
  double loopStart = now_ms();
  for (;;) {
    if (ioctl(vcpu, KVM_RUN, 0) < 0) continue;
    exits++;
    if (run->exit_reason != KVM_EXIT_IO) {
      if (run->exit_reason == KVM_EXIT_MMIO) { if (!run->mmio.is_write) memset(run->mmio.data, 0xff, 8); continue; }
      fprintf(stderr, "exit %u\n", run->exit_reason);
      return 1;
    }
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint16_t port = run->io.port;
    if (run->io.direction == KVM_EXIT_IO_OUT) {
      if (port == 0x3fb) lcr = data[0];
      if (port == 0x3f8 && !(lcr & 0x80) && !countExits) {
        printf("%.2f\n", now_ms() - start);
        return 0;
      }
      if (port == 0x64 && data[0] == 0xfe) break;  // the guest's reset line: the run is over
    } else {
      memset(data, port == 0x3fd ? 0x60 : port == 0x3fe ? 0xb0 : 0xff, run->io.size * run->io.count);
      if (port == 0x64 || port == 0x60 || port == 0x61 || port == 0x71) memset(data, 0, run->io.size * run->io.count);
    }
  }
  double seconds = (now_ms() - loopStart) / 1e3;
  printf("%.0f\n", exits / seconds);
  return 0;
}
