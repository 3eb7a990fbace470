import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useQuery } from 'urql';

const CLIENT_SEARCH = `query ClientSearch($q: String) { clients(filter: { mqttClientIdContains: $q }, pageSize: 20) { nodes { id mqttClientId } } }`;

/** A client by its MQTT client id, searched on the gateway as the operator types. */
export function ClientPicker({ value, onChange, label = 'Add client' }: { value: string | null; onChange: (id: string | null) => void; label?: string }) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [result] = useQuery({ query: CLIENT_SEARCH, variables: { q: q || null } });
  const data = (result.data?.clients.nodes ?? []).map((c: { id: number; mqttClientId: string }) => ({ value: String(c.id), label: c.mqttClientId }));
  return (
    <Select
      size="xs"
      label={label}
      searchable
      data={data}
      value={value}
      onChange={onChange}
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage="No client matches"
    />
  );
}
