// libvirt's output order for domain XML, one element per line (format described in schema.ts).
// Orders follow libvirt's formatter (src/conf/domain_conf.c, cpu_conf.c, numa_conf.c) and are
// checked by the compatibility corpus tests. Shared shapes are specs of their own (address,
// alias, boot, chardev-source, ...).
export const DOMAIN_LAYOUT = `
domain: @type @id @xmlns:qemu @xmlns:lxc @xmlns:bhyve @xmlns:xen @xmlns:test @xmlns:vmware name! uuid! genid! title! description! metadata! maxMemory! memory! currentMemory! blkiotune! memtune! memoryBacking! vcpu! vcpus! iothreads! iothreadids! defaultiothread! throttlegroups! cputune! numatune! resource! sysinfo bootloader! bootloader_args! os! idmap! features! cpu! clock! on_poweroff! on_reboot! on_crash! on_lockfailure! pm! perf! devices! seclabel keywrap! launchSecurity! qemu:commandline qemu:capabilities qemu:override qemu:deprecation lxc:namespace bhyve:commandline xen:commandline test:runstate test:transient test:hasmanagedsave test:domainsnapshot

domain/maxMemory: @slots @unit
domain/memory: @dumpCore=on|off @unit
domain/currentMemory: @unit
domain/blkiotune: weight! device
domain/blkiotune/device: path weight read_iops_sec write_iops_sec read_bytes_sec write_bytes_sec
domain/memtune: hard_limit! soft_limit! min_guarantee! swap_hard_limit!
domain/memtune/hard_limit: @unit
domain/memtune/soft_limit: @unit
domain/memtune/min_guarantee: @unit
domain/memtune/swap_hard_limit: @unit
domain/memoryBacking: hugepages! nosharepages! locked! source! access! allocation! discard!
domain/memoryBacking/hugepages: page
domain/memoryBacking/hugepages/page: @size @unit @nodeset
domain/memoryBacking/source: @type
domain/memoryBacking/access: @mode
domain/memoryBacking/allocation: @mode @threads
domain/vcpu: @placement @cpuset @current
domain/vcpus: vcpu
domain/vcpus/vcpu: @id @enabled @hotpluggable @order
domain/iothreadids: iothread
domain/iothreadids/iothread: @id @thread_pool_min @thread_pool_max poll
domain/iothreadids/iothread/poll: @max @grow @shrink
domain/defaultiothread: @thread_pool_min @thread_pool_max
domain/cputune: shares! period! quota! global_period! global_quota! emulator_period! emulator_quota! iothread_period! iothread_quota! vcpupin emulatorpin! iothreadpin emulatorsched! vcpusched iothreadsched cachetune memorytune
domain/cputune/vcpupin: @vcpu @cpuset
domain/cputune/emulatorpin: @cpuset
domain/cputune/iothreadpin: @iothread @cpuset
domain/cputune/emulatorsched: @scheduler @priority
domain/cputune/vcpusched: @vcpus @scheduler @priority
domain/cputune/iothreadsched: @iothreads @scheduler @priority
domain/cputune/cachetune: @vcpus @id cache monitor
domain/cputune/cachetune/cache: @id @level @type @size @unit
domain/cputune/cachetune/monitor: @level @vcpus
domain/cputune/memorytune: @vcpus @id node monitor
domain/cputune/memorytune/node: @id @bandwidth
domain/cputune/memorytune/monitor: @level @vcpus
domain/numatune: memory! memnode
domain/numatune/memory: @mode @nodeset @placement
domain/numatune/memnode: @cellid @mode @nodeset
domain/resource: partition! fibrechannel!
domain/resource/fibrechannel: @appid
domain/sysinfo: @type bios system baseBoard chassis oemStrings entry
domain/sysinfo/bios: entry
domain/sysinfo/system: entry
domain/sysinfo/baseBoard: entry
domain/sysinfo/chassis: entry
domain/sysinfo/oemStrings: entry
domain/sysinfo/bios/entry: @name
domain/sysinfo/system/entry: @name
domain/sysinfo/baseBoard/entry: @name
domain/sysinfo/chassis/entry: @name
domain/sysinfo/entry: @name @file

domain/os: @firmware=bios|efi type! firmware! init! initarg initdir! initenv inituser! initgroup! loader! nvram! kernel! initrd! cmdline! shim! dtb! root! acpi! boot bootmenu! bios! smbios!
domain/os/type: @arch @machine
domain/os/firmware: feature
domain/os/firmware/feature: @enabled @name
domain/os/initenv: @name
domain/os/loader: @readonly=yes|no @secure=yes|no @type=rom|pflash @stateless=yes|no @format=raw|qcow2
domain/os/nvram: @template @templateFormat @format @type
domain/os/acpi: table
domain/os/acpi/table: @type
domain/os/boot: @dev
domain/os/bootmenu: @enable=yes|no @timeout
domain/os/bios: @useserial=yes|no @rebootTimeout
domain/os/smbios: @mode=emulate|host|sysinfo
domain/idmap: uid gid
domain/idmap/uid: @start @target @count
domain/idmap/gid: @start @target @count

domain/features: acpi apic pae hap viridian privnet hyperv kvm pvspinlock capabilities pmu vmport gic smm ioapic hpt vmcoreinfo htm nested-hv msrs ccf-assist xen cfpc sbbc ibs tcg async-teardown ras ps2 aia
domain/features/apic: @eoi=on|off
domain/features/hap: @state
domain/features/pvspinlock: @state
domain/features/pmu: @state
domain/features/vmport: @state
domain/features/vmcoreinfo: @state
domain/features/htm: @state
domain/features/nested-hv: @state
domain/features/ccf-assist: @state
domain/features/ras: @state
domain/features/ps2: @state
domain/features/gic: @version
domain/features/ioapic: @driver
domain/features/hpt: @resizing maxpagesize
domain/features/hpt/maxpagesize: @unit
domain/features/smm: @state tseg
domain/features/smm/tseg: @unit
domain/features/msrs: @unknown
domain/features/cfpc: @value
domain/features/sbbc: @value
domain/features/ibs: @value
domain/features/aia: @value
domain/features/async-teardown: @enabled
domain/features/capabilities: @policy audit_control=process-cap! audit_write=process-cap! block_suspend=process-cap! chown=process-cap! dac_override=process-cap! dac_read_search=process-cap! fowner=process-cap! fsetid=process-cap! ipc_lock=process-cap! ipc_owner=process-cap! kill=process-cap! lease=process-cap! linux_immutable=process-cap! mac_admin=process-cap! mac_override=process-cap! mknod=process-cap! net_admin=process-cap! net_bind_service=process-cap! net_broadcast=process-cap! net_raw=process-cap! setgid=process-cap! setfcap=process-cap! setpcap=process-cap! setuid=process-cap! sys_admin=process-cap! sys_boot=process-cap! sys_chroot=process-cap! sys_module=process-cap! sys_nice=process-cap! sys_pacct=process-cap! sys_ptrace=process-cap! sys_rawio=process-cap! sys_resource=process-cap! sys_time=process-cap! sys_tty_config=process-cap! syslog=process-cap! wake_alarm=process-cap!
process-cap: @state=on|off
domain/features/hyperv: @mode relaxed vapic spinlocks vpindex runtime synic stimer reset vendor_id frequencies reenlightenment tlbflush ipi evmcs avic emsr_bitmap xmm_input
domain/features/hyperv/relaxed: @state
domain/features/hyperv/vapic: @state
domain/features/hyperv/spinlocks: @state @retries
domain/features/hyperv/vpindex: @state
domain/features/hyperv/runtime: @state
domain/features/hyperv/synic: @state
domain/features/hyperv/stimer: @state direct
domain/features/hyperv/stimer/direct: @state
domain/features/hyperv/reset: @state
domain/features/hyperv/vendor_id: @state @value
domain/features/hyperv/frequencies: @state
domain/features/hyperv/reenlightenment: @state
domain/features/hyperv/tlbflush: @state direct extended
domain/features/hyperv/tlbflush/direct: @state
domain/features/hyperv/tlbflush/extended: @state
domain/features/hyperv/ipi: @state
domain/features/hyperv/evmcs: @state
domain/features/hyperv/avic: @state
domain/features/hyperv/emsr_bitmap: @state
domain/features/hyperv/xmm_input: @state
domain/features/kvm: hidden hint-dedicated poll-control pv-ipi dirty-ring
domain/features/kvm/hidden: @state
domain/features/kvm/hint-dedicated: @state
domain/features/kvm/poll-control: @state
domain/features/kvm/pv-ipi: @state
domain/features/kvm/dirty-ring: @state @size
domain/features/xen: e820_host passthrough
domain/features/xen/e820_host: @state
domain/features/xen/passthrough: @state @mode
domain/features/tcg: tb-cache
domain/features/tcg/tb-cache: @unit

domain/cpu: @mode @match=minimum|exact|strict @check=none|partial|full @migratable=on|off @deprecated_features=on|off model! vendor! topology! cache! maxphysaddr! feature numa!
domain/cpu/model: @fallback=allow|forbid @vendor_id
domain/cpu/topology: @sockets @dies @clusters @cores @threads
domain/cpu/cache: @level @mode=emulate|passthrough|disable
domain/cpu/maxphysaddr: @mode=emulate|passthrough @bits @limit
domain/cpu/feature: @policy=force|require|optional|disable|forbid @name
domain/cpu/numa: interconnects cell
domain/cpu/numa/cell: @id @cpus @memory @unit @discard @memAccess distances cache
domain/cpu/numa/cell/distances: sibling
domain/cpu/numa/cell/distances/sibling: @id @value

domain/clock: @offset @adjustment @basis @timezone @start timer
domain/clock/timer: @name @present @tickpolicy @track @frequency @mode catchup
domain/clock/timer/catchup: @threshold @slew @limit
domain/pm: suspend-to-mem! suspend-to-disk!
domain/pm/suspend-to-mem: @enabled=yes|no
domain/pm/suspend-to-disk: @enabled=yes|no
domain/perf: event
domain/perf/event: @name @enabled=yes|no
domain/seclabel: @type @model @relabel label imagelabel baselabel
domain/keywrap: cipher
domain/keywrap/cipher: @name @state
domain/launchSecurity: @type @kernelHashes @authorKey @vcek cbitpos reducedPhysBits policy guestVisibleWorkarounds idBlock idAuth hostData dhCert session
lxc:namespace: sharenet shareipc shareuts
lxc:namespace/sharenet: @type @value
lxc:namespace/shareipc: @type @value
lxc:namespace/shareuts: @type @value

domain/devices: emulator! disk controller lease filesystem interface smartcard serial parallel console channel input tpm graphics sound audio video hostdev redirdev redirfilter hub watchdog memballoon rng panic shmem memory iommu vsock crypto pstore

# Shared device shapes: the device-info tail libvirt writes for every device.
boot: @order @loadparm
alias: @name
rom: @bar @file @enabled
acpi: @index
address: @type @controller @domain @bus @reg @slot @function @target @unit @port @multifunction @zpci @uid @fid @cssid @ssid @devno @iobase @irq @base
address/zpci: @uid @fid

domain/devices/disk: @type @device @model @rawio=yes|no @sgio=filtered|unfiltered @snapshot=no|internal|external|manual driver! auth source! backingStore! backenddomain! geometry! blockio! mirror target! iotune! throttlefilters readonly! shareable! transient! serial! wwn! vendor! product! encryption boot=boot! alias=alias! acpi=acpi! address=address!
domain/devices/disk/driver: @name @type @cache=default|none|writethrough|writeback|directsync|unsafe @error_policy=default|stop|report|ignore|enospace @rerror_policy=default|stop|report|ignore @io=default|native|threads|io_uring @ioeventfd=on|off @event_idx=on|off @copy_on_read=on|off @discard=default|unmap|ignore @iothread @detect_zeroes=default|off|on|unmap @discard_no_unref=on|off @queues @queue_size @metadata_cache_max_size @statistics iothreads metadata_cache
domain/devices/disk/auth: @username secret
domain/devices/disk/auth/secret: @type @usage @uuid
domain/devices/disk/source: @file @dev @dir @protocol @name @query @pool @volume @mode @type @namespace @managed @tls @tlsHostname @startupPolicy @index address host identity reconnect snapshot config initiator ssl cookies readahead timeout knownHosts slices seclabel auth encryption reservations dataStore
domain/devices/disk/source/host: @name @port @transport @socket
domain/devices/disk/source/auth: @username secret
domain/devices/disk/source/auth/secret: @type @usage @uuid
domain/devices/disk/backingStore: @type @index format source backingStore=domain/devices/disk/backingStore
domain/devices/disk/backingStore/format: @type
domain/devices/disk/backingStore/source: @file @dev @dir @protocol @name @index host
domain/devices/disk/backenddomain: @name
domain/devices/disk/geometry: @cyls @heads @secs @trans
domain/devices/disk/blockio: @logical_block_size @physical_block_size @discard_granularity
domain/devices/disk/target: @dev @bus @tray=open|closed @removable=on|off @rotation_rate
domain/devices/disk/transient: @shareBacking
domain/devices/disk/iotune: total_bytes_sec read_bytes_sec write_bytes_sec total_iops_sec read_iops_sec write_iops_sec total_bytes_sec_max read_bytes_sec_max write_bytes_sec_max total_iops_sec_max read_iops_sec_max write_iops_sec_max size_iops_sec group_name total_bytes_sec_max_length read_bytes_sec_max_length write_bytes_sec_max_length total_iops_sec_max_length read_iops_sec_max_length write_iops_sec_max_length

domain/devices/controller: @type @index @model @ports @vectors @maxGrantFrames @maxEventChannels model! driver! master! target! pcihole64! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/controller/model: @name
domain/devices/controller/driver: @queues @cmd_per_lun @max_sectors @ioeventfd @iothread
domain/devices/controller/master: @startport
domain/devices/controller/target: @chassisNr @chassis @port @busNr @hotplug @index node
domain/devices/controller/pcihole64: @unit

domain/devices/filesystem: @type @accessmode @model=virtio|virtio-transitional|virtio-non-transitional @multidevs=default|remap|forbid|warn @fmode @dmode driver! binary! source! target! readonly! space_hard_limit! space_soft_limit! idmap boot=boot! alias=alias! acpi=acpi! address=address!
domain/devices/filesystem/driver: @type @format @queue @wrpolicy @iommu @ats @packed @page_per_vq
domain/devices/filesystem/source: @dir @file @name @socket @usage @units
domain/devices/filesystem/target: @dir
domain/devices/filesystem/space_hard_limit: @unit
domain/devices/filesystem/space_soft_limit: @unit

domain/devices/interface: @type @trustGuestRxFilters=yes|no mac! source! vlan! virtualport! bandwidth! port! ip route script! downscript! backenddomain! target! guest! model! driver! backend! filterref! tune! teaming! link! mtu! coalesce! boot=boot! alias=alias! rom=rom! acpi=acpi! address=address!
domain/devices/interface/mac: @address @type=generated|static @check=yes|no
domain/devices/interface/source: @network @portgroup @portid @bridge @dev @mode @type @path @address @port @managed ip route address local
domain/devices/interface/vlan: @trunk tag
domain/devices/interface/vlan/tag: @id @nativeMode
domain/devices/interface/virtualport: @type parameters
domain/devices/interface/virtualport/parameters: @managerid @typeid @typeidversion @instanceid @interfaceid @profileid
domain/devices/interface/bandwidth: inbound outbound
domain/devices/interface/bandwidth/inbound: @average @peak @burst @floor
domain/devices/interface/bandwidth/outbound: @average @peak @burst
domain/devices/interface/ip: @address @family @prefix @peer
domain/devices/interface/route: @family @address @netmask @prefix @gateway @metric
domain/devices/interface/script: @path
domain/devices/interface/downscript: @path
domain/devices/interface/backenddomain: @name
domain/devices/interface/target: @dev @managed=yes|no
domain/devices/interface/guest: @dev @actual
domain/devices/interface/model: @type
domain/devices/interface/link: @state
domain/devices/interface/mtu: @size
domain/devices/interface/port: @isolated

domain/devices/smartcard: @mode @type certificate database source=chardev-source protocol=chardev-protocol boot=boot alias=alias acpi=acpi address=address
chardev-source: @mode @host @service @path @append @tls @channel @master @slave @bind @connect seclabel reconnect log
chardev-source/reconnect: @enabled @timeout
chardev-protocol: @type
chardev-log: @file @append
domain/devices/serial: @type @tty source=chardev-source protocol=chardev-protocol! log=chardev-log! target! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/serial/target: @type @port model
domain/devices/serial/target/model: @name
domain/devices/parallel: @type @tty source=chardev-source protocol=chardev-protocol! log=chardev-log! target! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/parallel/target: @type @port
domain/devices/console: @type @tty source=chardev-source protocol=chardev-protocol! log=chardev-log! target! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/console/target: @type @port
domain/devices/channel: @type @tty source=chardev-source protocol=chardev-protocol! log=chardev-log! target! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/channel/target: @type @name @state @address @port

domain/devices/input: @type @bus @model source! driver! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/input/source: @evdev @dev @grab @grabToggle @repeat
domain/devices/input/driver: @iommu @ats @packed @page_per_vq
domain/devices/tpm: @model backend boot=boot alias=alias acpi=acpi address=address

domain/devices/graphics: @type @display @xauth @fullscreen @socket @port @tlsPort @autoport @replaceUser @multiUser @websocket @websocketGenerated @listen @keymap @defaultMode=any|secure|insecure @sharePolicy=default|allow-exclusive|force-shared|ignore @powerControl=yes|no @p2p @address @passwd @passwdValidTo @connected listen channel image! jpeg! zlib! playback! streaming! mouse! clipboard! filetransfer! gl! audio!
domain/devices/graphics/listen: @type @address @network @socket @fromConfig @autoGenerated
domain/devices/graphics/channel: @name=main|display|inputs|cursor|playback|record|smartcard|usbredir @mode=any|secure|insecure
domain/devices/graphics/image: @compression=auto_glz|auto_lz|quic|glz|lz|off
domain/devices/graphics/jpeg: @compression=auto|never|always
domain/devices/graphics/zlib: @compression=auto|never|always
domain/devices/graphics/playback: @compression=on|off
domain/devices/graphics/streaming: @mode=filter|all|off
domain/devices/graphics/clipboard: @copypaste=yes|no
domain/devices/graphics/mouse: @mode=server|client
domain/devices/graphics/filetransfer: @enable=yes|no
domain/devices/graphics/gl: @enable=yes|no @rendernode
domain/devices/graphics/audio: @id

domain/devices/sound: @model=sb16|es1370|pcspk|ac97|ich6|ich9|usb|ich7|virtio @multichannel @streams codec audio boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/sound/codec: @type
domain/devices/sound/audio: @id
domain/devices/audio: @id @type @timerPeriod @runtimeDir @server @channel input output
domain/devices/video: driver! model! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/video/driver: @name @vgaconf @iommu @ats @packed @page_per_vq
domain/devices/video/model: @type @ram @vram @vram64 @vgamem @heads @primary=yes|no @blob=on|off acceleration resolution
domain/devices/video/model/acceleration: @accel3d @accel2d @rendernode
domain/devices/video/model/resolution: @x @y

domain/devices/hostdev: @mode @type @managed @sgio @rawio @model @display @ramfb source driver! origstates readonly! shareable! ip route boot=boot! alias=alias! rom=rom! acpi=acpi! address=address!
domain/devices/hostdev/source: @protocol @name @startupPolicy @guestReset @writeFiltering @wwpn @missing vendor product address adapter host initiator auth storage misc interface block char
domain/devices/hostdev/source/vendor: @id
domain/devices/hostdev/source/product: @id
domain/devices/hostdev/source/address: @type @domain @bus @slot @function @device @controller @target @unit @uuid
domain/devices/hostdev/source/adapter: @name
domain/devices/hostdev/source/host: @name @port
domain/devices/hostdev/driver: @name @model
domain/devices/hostdev/ip: @address @family @prefix @peer
domain/devices/hostdev/route: @family @address @netmask @prefix @gateway @metric

domain/devices/redirdev: @bus @type source=chardev-source protocol=chardev-protocol boot=boot alias=alias acpi=acpi address=address
domain/devices/redirfilter: usbdev
domain/devices/redirfilter/usbdev: @class @vendor @product @version @allow
domain/devices/hub: @type boot=boot alias=alias acpi=acpi address=address
domain/devices/watchdog: @model @action boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/memballoon: @model @autodeflate=on|off @freePageReporting=on|off stats! alias=alias! acpi=acpi! address=address! driver!
domain/devices/memballoon/stats: @period
domain/devices/memballoon/driver: @iommu @ats @packed @page_per_vq
domain/devices/rng: @model rate! backend driver! boot=boot alias=alias! acpi=acpi! address=address!
domain/devices/rng/rate: @bytes @period
domain/devices/rng/backend: @model @type source=chardev-source protocol=chardev-protocol
domain/devices/rng/driver: @iommu @ats @packed @page_per_vq
domain/devices/panic: @model boot=boot alias=alias acpi=acpi address=address
domain/devices/shmem: @name @role model size server msi boot=boot alias=alias acpi=acpi address=address
domain/devices/shmem/model: @type
domain/devices/shmem/size: @unit
domain/devices/shmem/server: @path
domain/devices/shmem/msi: @vectors @ioeventfd
domain/devices/memory: @model @access @discard uuid source target boot=boot alias=alias acpi=acpi address=address
domain/devices/iommu: @model driver boot=boot alias=alias acpi=acpi address=address
domain/devices/vsock: @model cid driver boot=boot alias=alias acpi=acpi address=address
domain/devices/vsock/cid: @auto @address
domain/devices/crypto: @model @type backend boot=boot alias=alias acpi=acpi address=address
domain/devices/pstore: @backend path size boot=boot alias=alias acpi=acpi address=address
`;
