// SPDX-License-Identifier: GPL-2.0
/*
 * svcvip: Kubernetes Service virtual IPs in the kernel.
 *
 * Module init/exit and the per-netns lifecycle. The order matters: the
 * pernet state exists before the netlink family can reach it, and on exit
 * the family goes first so no request runs while tables are torn down.
 */

#include <linux/init.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/netfilter/nf_nat_masquerade.h>
#include <net/net_namespace.h>
#include <uapi/linux/svcvip.h>

#include "version.h"
#include "netns.h"
#include "netlink.h"
#include "hooks.h"
#include "sched.h"
#include "selftest.h"

unsigned int svcvip_net_id __read_mostly;

static int __net_init svcvip_net_init(struct net *net)
{
	struct svcvip_net *sn = svcvip_pernet(net);
	struct svcvip_config *cfg;
	int ret;

	sn->net = net;
	mutex_init(&sn->lock);
	cfg = svcvip_config_alloc_default();
	if (!cfg)
		return -ENOMEM;
	ret = svcvip_table_init(&sn->table);
	if (ret) {
		svcvip_config_free(cfg);
		return ret;
	}
	RCU_INIT_POINTER(sn->config, cfg);
	svcvip_affinity_init(&sn->affinity);
	svcvip_ct_gc_init(sn);
	return 0;
}

/* Detach from netfilter; the core waits a grace period before .exit. */
static void __net_exit svcvip_net_pre_exit(struct net *net)
{
	struct svcvip_net *sn = svcvip_pernet(net);

	mutex_lock(&sn->lock);
	svcvip_hooks_unregister(sn);
	svcvip_count_hooks_set(sn, false);
	mutex_unlock(&sn->lock);
}

static void __net_exit svcvip_net_exit(struct net *net)
{
	struct svcvip_net *sn = svcvip_pernet(net);

	/* no sweep is left to run: conntrack goes with the netns anyway */
	svcvip_ct_gc_exit(sn);
	mutex_lock(&sn->lock);
	svcvip_table_flush(sn);
	mutex_unlock(&sn->lock);
	/* a rebuild still running holds a service, and takes sn->lock */
	svcvip_rebuild_flush();
	svcvip_table_destroy(&sn->table);
	svcvip_affinity_destroy(&sn->affinity);
	svcvip_config_free_rcu(rcu_dereference_protected(sn->config, true));
	RCU_INIT_POINTER(sn->config, NULL);
	mutex_destroy(&sn->lock);
}

static struct pernet_operations svcvip_net_ops = {
	.init = svcvip_net_init,
	.pre_exit = svcvip_net_pre_exit,
	.exit = svcvip_net_exit,
	.id = &svcvip_net_id,
	.size = sizeof(struct svcvip_net),
};

static int __init svcvip_init(void)
{
	int ret;

	/* debug builds only (CONFIG_SVCVIP_DEBUG): a failure fails the load */
	if (!svcvip_selftest())
		return -ENOTRECOVERABLE;

	/*
	 * Masqueraded connections die with their address, as MASQUERADE's do.
	 * Module-wide, not per netns: (un)registering a netdevice notifier
	 * takes pernet_ops_rwsem, which netns teardown already holds.
	 */
	/* the ceilings exist before any netns can read them */
	ret = svcvip_ceilings_register();
	if (ret)
		return ret;
	ret = nf_nat_masquerade_inet_register_notifiers();
	if (ret)
		goto err_notifiers;
	ret = svcvip_rebuild_init();
	if (ret)
		goto err_rebuild;
	ret = register_pernet_subsys(&svcvip_net_ops);
	if (ret)
		goto err_pernet;
	ret = svcvip_genl_init();
	if (ret)
		goto err_genl;

	pr_info("svcvip " SVCVIP_VERSION " loaded (netlink ABI %d)\n",
		SVCVIP_GENL_VERSION);
	return 0;

err_genl:
	unregister_pernet_subsys(&svcvip_net_ops);
err_pernet:
	svcvip_rebuild_exit();
err_rebuild:
	nf_nat_masquerade_inet_unregister_notifiers();
err_notifiers:
	svcvip_ceilings_unregister();
	return ret;
}

static void __exit svcvip_exit(void)
{
	svcvip_genl_uninit();
	unregister_pernet_subsys(&svcvip_net_ops);
	svcvip_rebuild_exit();
	nf_nat_masquerade_inet_unregister_notifiers();
	svcvip_ceilings_unregister();
	/* call_rcu callbacks of ours may still be queued */
	rcu_barrier();
}

module_init(svcvip_init);
module_exit(svcvip_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kubernetes Service virtual IPs");
MODULE_VERSION(SVCVIP_VERSION);
MODULE_ALIAS_GENL_FAMILY(SVCVIP_GENL_NAME);
