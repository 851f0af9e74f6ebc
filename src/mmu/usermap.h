/* SPDX-License-Identifier: MIT */
/*
 * User mappings: physical frames shown at host addresses outside the
 * library's own ranges, the way remap_vmalloc_range() inserts a vmalloc
 * area's pages into a user VMA.
 *
 * "User space" is the host process itself. The caller owns the host range
 * (typically an mmap(PROT_NONE) reservation); each run of frames that are
 * contiguous in one node's RAM becomes one mmap(MAP_SHARED | MAP_FIXED) of
 * that node's memfd over it. The memfd backs physical memory whatever the
 * mmu backend, so this works with mmu=soft too: it is then the only way to
 * dereference a vmalloc area's memory other than through the direct map.
 *
 * The library keeps no record of these mappings and takes no page
 * references for them: they belong to the caller, who removes them
 * (munmap() or a new mapping over the range) before the frames are freed.
 */
#ifndef UVM_MMU_USERMAP_H
#define UVM_MMU_USERMAP_H

/**
 * mmu_map_user() - map frames at a host address range the caller owns
 * @uaddr: page-aligned host address; [@uaddr, @uaddr + @nr pages) must not
 *         touch the vmalloc window, the direct map or mem_map
 * @pfns: the frames, in order, each below max_pfn; a frame may repeat
 * @nr: how many (at least one)
 * @host_prot: PROT_READ, PROT_WRITE and PROT_EXEC bits for the mapping
 *
 * Whatever the range held before is replaced. Runs of frames contiguous in
 * one node are mapped with one host call each; the calls count as host
 * mappings in the mmu statistics and obey fail_host_map= injection. Takes
 * no lock: the caller owns the range, and the frames stay its business.
 *
 * The caller's previous mapping cannot be restored after a host refusal,
 * so on such a failure the whole range is left an inaccessible (PROT_NONE)
 * anonymous mapping, as a fresh reservation would be. A bad argument is
 * refused before anything is touched.
 *
 * Return: 0; -EINVAL (one warning line) for bad arguments or a range that
 * overlaps the library's own mappings; or the host's negative errno (one
 * warning line; -ENOMEM for its mapping cap or an injected failure) with
 * the range left inaccessible.
 */
int mmu_map_user(unsigned long uaddr, const unsigned long *pfns,
		 unsigned long nr, int host_prot);

#endif /* UVM_MMU_USERMAP_H */
